// Error mapping: AuthGate's refusals become typed errors carrying its error code, the
// HTTP status, the message and Retry-After; failures without an answer are NetworkErrors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../../../tests/lib/server.mjs';
import { uniqueEmail, patchProject } from '../../../tests/lib/email.mjs';
import { load } from './lib.mjs';

let s, sdk, ag, project;
before(async () => {
  sdk = await load('sdk');
  // Real limits: the rate-limit test needs them.
  s = await startServer({});
  project = await s.project('err-app', { callbacks: ['https://app.example/cb'] });
  ag = new sdk.AuthGate({ baseUrl: s.url, apiKey: project.key, appId: 'err-app' });
});
after(async () => { await s?.cleanup(); });

const caught = (p) => p.then((v) => assert.fail(`expected a refusal, got ${JSON.stringify(v)}`), (e) => e);

test('400 invalid input: BadRequestError with the code and message', async () => {
  const e = await caught(ag.emailSignup({ email: 'not-an-email', password: 'securePassword1' }));
  assert.ok(e instanceof sdk.BadRequestError && e instanceof sdk.AuthGateError && e instanceof Error);
  assert.equal(e.status, 400);
  assert.match(e.code, /^invalid_/);
  assert.equal(typeof e.message, 'string');
  assert.equal(e.retryAfter, null);
  const weak = await caught(ag.emailSignup({ email: uniqueEmail(), password: 'short' }));
  assert.equal(weak.code, 'weak_password');
});

test('401 bad API key and wrong password: AuthenticationError', async () => {
  const bad = new sdk.AuthGate({ baseUrl: s.url, apiKey: 'agk_' + 'A'.repeat(43) });
  const e = await caught(bad.emailSignin({ email: uniqueEmail(), password: 'securePassword1' }));
  assert.ok(e instanceof sdk.AuthenticationError);
  assert.equal(e.status, 401);
  const w = await caught(ag.emailSignin({ email: uniqueEmail(), password: 'securePassword1' }));
  assert.equal(w.code, 'invalid_credentials');
  // An invalid API key on token verification is an error, not {valid: false}.
  const v = await caught(bad.verifyToken('a.b.c'));
  assert.ok(v instanceof sdk.AuthenticationError);
});

test('403 provider_disabled, 404 unknown_provider, 409 email_unavailable', async () => {
  const email = uniqueEmail('dup');
  await ag.emailSignup({ email, password: 'securePassword1' });
  const dup = await caught(ag.emailSignup({ email, password: 'securePassword1' }));
  assert.ok(dup instanceof sdk.ConflictError);
  assert.equal(dup.code, 'email_unavailable');
  const unk = await caught(ag.getOAuthUrl('myspace', 'https://app.example/cb'));
  assert.ok(unk instanceof sdk.NotFoundError);
  assert.equal(unk.code, 'unknown_provider');
  await patchProject(s, 'err-app', { providers: { email: false } });
  try {
    const off = await caught(ag.emailSignin({ email, password: 'securePassword1' }));
    assert.ok(off instanceof sdk.ForbiddenError);
    assert.equal(off.code, 'provider_disabled');
  } finally {
    await patchProject(s, 'err-app', { providers: { email: true } });
  }
});

test('429 with Retry-After: RateLimitError.retryAfter in seconds', async () => {
  const email = uniqueEmail('limit');
  let e;
  for (let i = 0; i < 12 && !e; i++) {
    e = await ag.emailSignin({ email, password: 'wrongPassword1' }).then(() => null, (x) => (x instanceof sdk.RateLimitError ? x : null));
  }
  assert.ok(e, 'the per-email sign-in limit (10 / 15 minutes) answered 429');
  assert.equal(e.status, 429);
  assert.ok(e.retryAfter > 0 && e.retryAfter <= 900, `retryAfter ${e.retryAfter}`);
  assert.equal(typeof e.code, 'string');
});

test('no answer: NetworkError (refused connection, timeout, abort); missing credentials are caught before sending', async () => {
  const srv = http.createServer(() => {}); // accepts and never answers
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  try {
    const slow = new sdk.AuthGate({ baseUrl: `http://127.0.0.1:${srv.address().port}`, apiKey: 'agk_x', timeoutMs: 300 });
    const t = await caught(slow.emailSignin({ email: 'a@b.co', password: 'x' }));
    assert.ok(t instanceof sdk.NetworkError);
    assert.equal(t.code, 'timeout');
    assert.equal(t.status, 0);
    const ctl = new AbortController();
    const p = caught(slow.emailSignin({ email: 'a@b.co', password: 'x', signal: ctl.signal }));
    ctl.abort();
    assert.equal((await p).code, 'aborted');
  } finally {
    srv.closeAllConnections();
    srv.close();
  }
  const down = new sdk.AuthGate({ baseUrl: 'http://127.0.0.1:1', apiKey: 'agk_x' });
  const n = await caught(down.emailSignin({ email: 'a@b.co', password: 'x' }));
  assert.equal(n.code, 'network_error');
  const keyless = new sdk.AuthGate({ baseUrl: s.url });
  assert.equal((await caught(keyless.emailSignin({ email: 'a@b.co', password: 'x' }))).code, 'api_key_required');
  assert.equal((await caught(keyless.push.start('a@b.co'))).code, 'app_id_required');
});

test('an API key in a browser is refused unless asked for', () => {
  globalThis.document = {};
  try {
    assert.throws(() => new sdk.AuthGate({ baseUrl: s.url, apiKey: 'agk_x' }), (e) => e.code === 'api_key_in_browser');
    assert.ok(new sdk.AuthGate({ baseUrl: s.url, apiKey: 'agk_x', dangerouslyAllowBrowser: true }));
    assert.ok(new sdk.AuthGate({ baseUrl: s.url, appId: 'x' }));
  } finally {
    delete globalThis.document;
  }
});

test('seed 004 bodies ({success: false, error: "Authentication required", statusCode}) map too', () => {
  const e = sdk.errorFromResponse(401, new Headers({ 'Retry-After': 'Wed, 21 Oct 2099 07:28:00 GMT' }), { success: false, error: 'Authentication required', statusCode: 401 });
  assert.ok(e instanceof sdk.AuthenticationError);
  assert.equal(e.code, 'unauthorized');
  assert.equal(e.message, 'Authentication required');
  assert.ok(e.retryAfter > 1000);
  const up = sdk.errorFromResponse(403, new Headers(), { error: 'Upgrade required', message: 'This feature requires business plan or higher', currentPlan: 'personal', requiredPlan: 'business' });
  assert.equal(up.body.requiredPlan, 'business');
  assert.equal(up.message, 'This feature requires business plan or higher');
  // AuthGate's envelope adds the stable code: it is the error's code.
  const env = sdk.errorFromResponse(403, new Headers(), { success: false, error: 'Forbidden', message: 'not with an API key', code: 'session_required', statusCode: 403, timestamp: '2026-11-25T10:00:00.000Z' });
  assert.equal(env.code, 'session_required');
  assert.equal(env.message, 'not with an API key');
});
