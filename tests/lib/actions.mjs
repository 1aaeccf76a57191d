// Helpers for the Authsignal-compatible API tests: the official @authsignal/node client
// pointed at AuthGate (only apiUrl changed), the client API as @authsignal/browser calls
// it (same paths, headers and bodies), and a TCP proxy that resets a connection.
import net from 'node:net';
import { Authsignal } from '@authsignal/node';

// The server SDK for a project key. retries: the SDK's own retry on connection errors.
export function serverSdk(s, key, retries = 0) {
  return new Authsignal({ apiSecretKey: key, apiUrl: `${s.url}/v1`, retries });
}

// The client API as the browser SDK calls it: Bearer <token>, or Basic <tenant id>
// (window.btoa(encodeURIComponent(tenantId)), no colon). Returns {status, body, headers}.
export function clientApi(s, { token, tenant, origin } = {}) {
  return async (method, path, body) => {
    const headers = { 'Content-Type': 'application/json' };
    headers.Authorization = token ? `Bearer ${token}` : `Basic ${Buffer.from(encodeURIComponent(tenant)).toString('base64')}`;
    if (origin) headers.Origin = origin;
    const res = await fetch(`${s.url}/v1/client${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, body: json, headers: res.headers, text };
  };
}

// The error an SDK call threw, as {statusCode, errorCode, errorDescription}.
export async function sdkError(p) {
  try {
    await p;
  } catch (e) {
    return { statusCode: e.statusCode, errorCode: e.errorCode, errorDescription: e.errorDescription };
  }
  throw new Error('the call did not fail');
}

// A proxy to target that, for the first `resets` connections, forwards the request and
// then resets the client's connection before any answer reaches it (the request was
// served: only the answer is lost). Counts connections.
export async function resettingProxy(targetUrl, resets = 1) {
  const t = new URL(targetUrl);
  const p = { connections: 0 };
  const server = net.createServer((client) => {
    const n = ++p.connections;
    const upstream = net.connect(Number(t.port), t.hostname);
    client.pipe(upstream);
    if (n <= resets) {
      upstream.once('data', () => { client.resetAndDestroy(); upstream.destroy(); });
    } else {
      upstream.pipe(client);
    }
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  p.url = `http://127.0.0.1:${server.address().port}`;
  p.close = () => new Promise((r) => server.close(r));
  return p;
}
