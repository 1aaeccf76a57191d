// The end user's address when an app backend proxies (docs/EMAIL.md, "The end user's
// address"): a request authenticated by the project API key may name its end user's
// address in X-AuthGate-Client-IP (the actions API also by its body's ipAddress); that
// address then keys the request's per-address limits, so one busy app does not spend
// the limits of all its users, and one abusive user is still stopped. The header is
// validated like X-Forwarded-For's entry, counted against the key's own budget
// (AUTHGATE_API_KEY_CLIENT_IP_PER_MIN), and ignored without a project API key.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../lib/server.mjs';
import { client, uniqueEmail } from '../lib/email.mjs';

const H = 'X-AuthGate-Client-IP';

describe('X-AuthGate-Client-IP on the email endpoints', () => {
  let s, key;
  // signin: 60/min per address scaled to 3 (and 1 per email: each attempt a new email)
  before(async () => {
    s = await startServer({ AUTHGATE_AUTH_RATE_PERCENT: '5' });
    ({ key } = await s.project('ip-app'));
  });
  after(async () => { await s.cleanup(); });

  const signin = (ip, k = key) => s.req('POST', '/api/proxy/email/signin', {
    headers: { Authorization: `Bearer ${k}`, ...(ip === undefined ? {} : { [H]: ip }) },
    body: { email: uniqueEmail('ip'), password: 'wrongPassword1' },
  });

  test('each named address has its own per-address limit; the backend\'s own address is another', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await signin('203.0.113.7')).status, 401, `attempt ${i + 1}`);
    const over = await signin('203.0.113.7');
    assert.equal(over.status, 429, over.text);
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    // the same address spelled another way is the same address
    assert.equal((await signin('::ffff:203.0.113.7')).status, 429);
    // another user of the same app is not stopped by the first one
    assert.equal((await signin('2001:db8::42')).status, 401);
    // the backend's own address (no header) still has its whole budget...
    for (let i = 0; i < 3; i++) assert.equal((await signin()).status, 401, `unnamed attempt ${i + 1}`);
    assert.equal((await signin()).status, 429);
    // ...and once spent, it stops no named user
    assert.equal((await signin('198.51.100.23')).status, 401);
  });

  test('the access log names both the sender and the end user', async () => {
    await signin('192.0.2.99');
    await signin();
    // lines are written after the answer: wait for the named one and an unnamed one after it
    const signins = () => s.logLines().filter((l) => l.access === 'POST' && l.path === '/api/proxy/email/signin');
    const find = () => {
      const all = signins(), i = all.findIndex((l) => l.client_ip === '192.0.2.99');
      return [all[i], i < 0 ? undefined : all.slice(i + 1).find((l) => !l.client_ip)];
    };
    for (let i = 0; i < 500 && !find()[1]; i++) await new Promise((r) => setTimeout(r, 20)); // 10 s: ASan is slow
    const [named, plain] = find();
    assert.deepEqual([named?.ip, named?.client_ip], ['127.0.0.1', '192.0.2.99'], JSON.stringify(named));
    assert.deepEqual([plain?.ip, plain?.client_ip], ['127.0.0.1', undefined], JSON.stringify(plain));
  });

  test('anything but one IP address is refused with 400; a bad key is a 401 first', async () => {
    for (const v of ['localhost', '203.0.113.7:443', '203.0.113.7, 198.51.100.1', '[::1]', 'fe80::1%eth0', 'unknown', '0177.0.0.1', '1.2.3']) {
      const r = await signin(v);
      assert.equal(r.status, 400, v);
      assert.equal(r.body.error, 'invalid_request', v);
      assert.match(r.body.message, /X-AuthGate-Client-IP must be the end user's IPv4 or IPv6 address/, v);
    }
    assert.equal((await signin('localhost', 'agk_not_a_real_key')).status, 401);
    assert.ok(s.logLines().some((l) => l.security === 'bad_client_ip'));
  });
});

describe('a wrong API key', () => {
  test('cannot shed the failed-credentials limit of its sender by naming other addresses', async () => {
    const s = await startServer();
    try {
      const statuses = [];
      for (let i = 0; i < 35; i++) {
        statuses.push((await s.req('GET', '/api/v1/project', { headers: { Authorization: 'Bearer agk_not_a_real_key', [H]: `203.0.113.${i + 1}` } })).status);
      }
      assert.equal(statuses[0], 401);
      assert.equal(statuses.at(-1), 429, statuses.join(' '));
    } finally {
      await s.cleanup();
    }
  });
});

describe('the key\'s own budget (AUTHGATE_API_KEY_CLIENT_IP_PER_MIN)', () => {
  let s, key, key2, tokenApi;
  before(async () => {
    s = await startServer({ AUTHGATE_API_KEY_CLIENT_IP_PER_MIN: '3' });
    ({ key } = await s.project('budget-app'));
    key2 = (await s.cliJSON('apikey', 'create', 'budget-app')).key;
    tokenApi = (k, ip) => s.req('POST', '/api/v1/token/verify', { headers: { Authorization: `Bearer ${k}`, ...(ip ? { [H]: ip } : {}) }, body: { token: 'x' } });
  });
  after(async () => { await s.cleanup(); });

  test('naming a new address each time does not escape it; other keys and unnamed requests are not counted', async () => {
    for (let i = 1; i <= 3; i++) assert.equal((await tokenApi(key, `203.0.113.${i}`)).status, 401, `named ${i}`);
    const over = await tokenApi(key, '203.0.113.4');
    assert.equal(over.status, 429, over.text);
    assert.equal(over.body.error, 'rate_limited');
    assert.ok(Number(over.headers.get('retry-after')) >= 1);
    assert.equal((await tokenApi(key)).status, 401, 'the same key without naming anyone');
    assert.equal((await tokenApi(key2, '203.0.113.5')).status, 401, 'another key of the project has its own budget');
    assert.ok(s.logLines().some((l) => l.security === 'rate_limited' && /apikey:client-ip/.test(l.msg ?? '')));
  });

  test('the actions API\'s ipAddress spends the same budget', async () => {
    const basic = `Basic ${Buffer.from(`${key2}:`).toString('base64')}`;
    const track = (ip) => s.req('POST', '/v1/users/u-budget/actions/signIn', { headers: { Authorization: basic }, body: { ipAddress: ip } });
    assert.equal((await track('198.51.100.1')).status, 200);
    assert.equal((await track('198.51.100.2')).status, 200);
    const over = await track('198.51.100.3');
    assert.equal(over.status, 429, over.text);
    assert.equal(over.body.errorCode, 'too_many_requests', 'in the actions API\'s error shape');
  });
});

describe('the actions API: ipAddress and the header are one address', () => {
  let s, key, admin, basic;
  const track = (userId, body, headers = {}) => s.req('POST', `/v1/users/${userId}/actions/pay`, { headers: { Authorization: basic, ...headers }, body });
  before(async () => {
    s = await startServer({ AUTHGATE_DEV: 'true' });
    ({ key } = await s.project('as-ip'));
    basic = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    admin = await s.adminToken();
    const put = await s.req('PUT', '/admin/api/projects/as-ip/actions/pay', { headers: { Authorization: `Bearer ${admin}` }, body: {
      defaultOutcome: 'ALLOW', rules: [{ name: 'Blocked range', outcome: 'BLOCK', conditions: [{ type: 'ip_in', ranges: ['198.51.100.0/24'] }] }] } });
    assert.equal(put.status, 200, put.text);
  });
  after(async () => { await s.cleanup(); });

  test('the header alone is the track\'s address (rules see it); ipAddress alone too; both must agree', async () => {
    assert.equal((await track('u1', {}, { [H]: '198.51.100.9' })).body.state, 'BLOCK');
    assert.equal((await track('u1', {}, { [H]: '203.0.113.9' })).body.state, 'ALLOW');
    assert.equal((await track('u1', { ipAddress: '198.51.100.9' })).body.state, 'BLOCK');
    assert.equal((await track('u1', { ipAddress: '::ffff:198.51.100.9' }, { [H]: '198.51.100.9' })).body.state, 'BLOCK', 'one address, two spellings');
    const both = await track('u1', { ipAddress: '198.51.100.9' }, { [H]: '203.0.113.9' });
    assert.equal(both.status, 400);
    assert.equal(both.body.errorCode, 'invalid_request');
    assert.match(both.body.errorDescription, /two different addresses/);
    const bad = await track('u1', { ipAddress: 'not-an-ip' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.errorDescription, /ipAddress must be the end user's IPv4 or IPv6 address/);
    // neither: the track has no address (the backend's own is not the user's), so no ip rule holds
    assert.equal((await track('u1', {})).body.state, 'ALLOW');
  });
});

describe('without a project API key the header is ignored', () => {
  let s, appId;
  before(async () => {
    s = await startServer({ AUTHGATE_PUSH_START_IP_PER_MIN: '2' });
    ({ appId } = await s.project('push-ip', { origins: ['http://localhost:5173'] }));
  });
  after(async () => { await s.cleanup(); });

  test('a browser-facing route counts the sender\'s address whatever the header says', async () => {
    const start = (ip) => s.req('POST', '/auth/start', { headers: { [H]: ip }, body: { app_id: appId, email: uniqueEmail('push') } });
    assert.equal((await start('203.0.113.1')).status, 200);
    assert.equal((await start('203.0.113.2')).status, 200);
    const third = await start('203.0.113.3');
    assert.equal(third.status, 429, 'the same sender, whatever address it names');
    // an invalid value is not even read there
    assert.equal((await start('not-an-ip')).status, 429);
    const line = s.logLines().filter((l) => l.access === 'POST' && l.path === '/auth/start').pop();
    assert.equal(line.client_ip, undefined);
  });

  test('the CORS preflight never allows the header (browsers cannot send it)', async () => {
    const pre = await s.req('OPTIONS', '/auth/start', { headers: { Origin: 'http://localhost:5173', 'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type, x-authgate-client-ip' } });
    assert.equal(pre.status, 204, 'a preflight from an allowed origin');
    const allowed = (pre.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    assert.ok(allowed.includes('content-type') && !allowed.includes('x-authgate-client-ip'), allowed);
  });
});
