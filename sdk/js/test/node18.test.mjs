// The oldest Node.js the SDK claims (engines.node ">=18"; Debian 12's): the packed
// package, ESM and CommonJS, run on a real Node 18 (node18_child.mjs) against the real
// binary. Node 18 has no global WebCrypto, so the SDK's node:crypto fallback signs,
// seals and verifies here: local JWT checks, the sealed session cookie, the route
// handlers, webhook signatures of a real delivery, and push sign-in over the event
// stream, approved by a simulated phone in this (newer) process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { startServer } from '../../../tests/lib/server.mjs';
import { Device, mailbox } from '../../../tests/lib/push.mjs';
import { RELAXED, uniqueEmail, signingSecret } from '../../../tests/lib/email.mjs';
import { REPO, consumer } from './lib.mjs';

// A Node 18: scripts/deps.sh test puts the pinned one in .tools/node18 unless the
// system's is 18 already.
function node18() {
  const dirs = [path.join(REPO, '.tools/node18/bin'), ...(process.env.PATH || '').split(':'), '/usr/bin', '/usr/local/bin'];
  for (const d of dirs) {
    const bin = path.join(d, 'node');
    if (!existsSync(bin)) continue;
    try {
      if (execFileSync(bin, ['--version'], { encoding: 'utf8' }).startsWith('v18.')) return bin;
    } catch { /* not runnable */ }
  }
  return null;
}

let s, mb;
before(async () => {
  mb = await mailbox();
  s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_ALLOW_PRIVATE_NETWORK: 'true' });
});
after(async () => {
  await s?.cleanup();
  await mb?.close();
});

test('sdk/js/package.json claims Node 18, and this test runs on it', () => {
  const claim = JSON.parse(readFileSync(path.join(REPO, 'sdk/js/package.json'), 'utf8')).engines.node;
  assert.equal(claim, '>=18');
});

test('on Node 18: client, local JWT check, session cookie and route handlers, a real webhook delivery, push over SSE', async () => {
  const bin = node18();
  assert.ok(bin, 'no Node.js 18 found: run scripts/deps.sh test (it puts the pinned one in .tools/node18)');
  const p = await s.project('node18-app');
  const pushEmail = uniqueEmail('n18phone');
  const phone = await Device.create();
  await phone.enroll(s, mb, pushEmail, { name: 'Node 18 phone' });
  const cfg = {
    consumer: consumer(), url: s.url, apiKey: p.key, appId: 'node18-app',
    signingSecret: (await signingSecret(s, 'node18-app')).toString('base64url'),
    email: uniqueEmail('n18'), password: 'securePassword1', pushEmail,
  };
  const child = spawn(bin, [path.join(REPO, 'sdk/js/test/node18_child.mjs')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  child.stdin.end(JSON.stringify(cfg));
  const steps = {};
  const timer = setTimeout(() => child.kill(), 90000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const m = JSON.parse(line);
      if (m.push) {
        const req = await phone.request(s, { appId: 'node18-app' });
        const d = await phone.decide(s, req.request_id, 'approve', m.push.code);
        assert.equal(d.status, 200, d.text);
      } else if (m.step) steps[m.step] = m;
    }
  } finally {
    clearTimeout(timer);
  }
  assert.equal(await exited, 0, `the Node 18 child failed:\n${stderr}`);

  assert.match(steps.runtime.node, /^18\./);
  assert.equal(steps.runtime.globalCrypto, 'undefined', 'Node 18 without a global WebCrypto: the fallback is what runs');
  assert.deepEqual([steps.runtime.esm, steps.runtime.cjs], ['function', 'function']);

  const c = steps.client;
  assert.deepEqual([c.remoteValid, c.remoteUser, c.localSub], [true, c.user, c.user]);
  assert.equal(c.forgedLocal?.code, 'invalid_token');
  assert.equal(c.forgedRemote, false);
  assert.deepEqual(c.wrongPassword, { name: 'AuthenticationError', code: 'invalid_credentials', status: 401, isAuthGateError: true });
  assert.equal(c.cjsInstance?.status, 401);

  assert.deepEqual(steps.next, { step: 'next', status: 200, httpOnly: true, sessionEmail: cfg.email, tampered: null, cjsEmail: cfg.email });

  assert.equal(steps.push.status, 'approved');
  assert.equal(steps.push.verifiedEmail, pushEmail);
  const d = steps.push.delivery;
  assert.ok(d, 'the approved webhook reached the Node 18 receiver');
  assert.equal(d.error, undefined, `verifyWebhook refused a real delivery: ${d.error}`);
  assert.deepEqual(d.verified, ['standard', 'authgate']);
  assert.equal(d.altered?.code, 'invalid_signature');
});
