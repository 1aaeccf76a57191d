// Raw HTTP over a TCP socket, for requests fetch() refuses to send (bad framing,
// missing Host, conflicting lengths). Resolves with {status, headers, body, closed}.
import net from 'node:net';

export function rawRequest(url, text, { timeoutMs = 5000 } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    let data = '';
    const timer = setTimeout(() => { sock.destroy(); resolve(parse(data, false, true)); }, timeoutMs);
    sock.on('connect', () => sock.write(text));
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => { clearTimeout(timer); resolve(parse(data, true, false)); });
    sock.on('error', (e) => { clearTimeout(timer); if (data) resolve(parse(data, true, false)); else reject(e); });
  });
}

function parse(data, closed, timedOut) {
  const idx = data.indexOf('\r\n\r\n');
  const head = idx >= 0 ? data.slice(0, idx) : data;
  const lines = head.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] || '');
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  const body = idx >= 0 ? data.slice(idx + 4) : '';
  let json;
  try { json = JSON.parse(body); } catch { json = undefined; }
  return { status: m ? Number(m[1]) : 0, headers, body, json, closed, timedOut, raw: data };
}

// Send `parts` one by one, `gapMs` apart, on one connection, until the server answers
// and closes (or timeoutMs). For slow senders: resolves like rawRequest, plus `sent`
// (how many parts went out before the answer came).
export function trickle(url, parts, gapMs, { timeoutMs = 15000 } = {}) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: hostname, port: Number(port) });
    let data = '', sent = 0, timer, done = false;
    // The first ending wins: an answer (with what was sent), or the error of a
    // connection that answered nothing.
    const end = (settle) => {
      if (done) return;
      done = true;
      clearTimeout(timer); clearTimeout(deadline);
      sock.destroy();
      settle();
    };
    const finish = (closed, timedOut) => end(() => resolve({ ...parse(data, closed, timedOut), sent }));
    const deadline = setTimeout(() => finish(false, true), timeoutMs);
    const next = () => {
      if (done || sent >= parts.length || sock.destroyed) return;
      sock.write(parts[sent++]);
      timer = setTimeout(next, gapMs);
    };
    sock.on('connect', next);
    sock.on('data', (d) => { data += d; });
    sock.on('end', () => finish(true, false));
    sock.on('error', (e) => (data ? finish(true, false) : end(() => reject(e))));
  });
}
