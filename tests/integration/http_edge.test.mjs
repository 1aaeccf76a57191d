// The HTTP edge as an attacker sees it (issue 7): request-smuggling primitives, the
// server's own error answers for bad framing, oversized chunked bodies, and what the
// access log keeps of a request that matched no route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { rawRequest } from '../lib/raw.mjs';

let s;

before(async () => { s = await startServer(); });
after(async () => { await s.cleanup(); });

// Wait until the server has written `n` more access-log lines than `before`.
async function accessLines(server, from) {
  for (let i = 0; i < 100; i++) {
    const lines = server.logLines().slice(from).filter((l) => l.access);
    if (lines.length) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
  return [];
}

test('an unmatched path under a secret-bearing prefix never reaches the log', async () => {
  const secret = 'ps_' + 'Q'.repeat(40);
  const attempts = [
    `DELETE /auth/check/${secret} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, // wrong method: 405
    `GET /auth/check/${secret}/more HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, // no such sub-path
    `GET //auth//check/${secret} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, // doubled slashes
    `GET /auth/check/${secret} HTTP/1.1\r\nHost: x\r\nHost: y\r\nConnection: close\r\n\r\n`, // two Hosts
  ];
  for (const text of attempts) {
    const from = s.logLines().length;
    const r = await rawRequest(s.url, text);
    assert.ok(r.status >= 400 && r.status < 500, `${text.split('\r\n')[0]} -> ${r.status}`);
    const lines = await accessLines(s, from);
    assert.ok(lines.length >= 1, 'an access-log line is written');
  }
  assert.ok(!s.stderr.includes(secret), 'the session id is not in the log');
  assert.ok(!s.stdout.includes(secret), 'the session id is not on stdout');
  const logged = s.logLines().filter((l) => l.access && /^\/+auth/.test(l.path || '')).map((l) => l.path);
  assert.ok(logged.includes('/auth/check/{redacted}'), JSON.stringify(logged));
  // A path that carries no secret is still logged as it came.
  const from = s.logLines().length;
  await rawRequest(s.url, 'GET /no/such/page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  assert.equal((await accessLines(s, from))[0].path, '/no/such/page');
});
