// POST /api/v1/token/verify (seed 002): the exact response shape, and every refusal:
// missing/bad API key, missing token, bad signature, expired, alg none, algorithm
// confusion, link tokens (aud "link"), another project's tokens, ended sessions.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { createHmac } from 'node:crypto';
import { startServer } from '../lib/server.mjs';
import { startMailbox, linkOf } from '../lib/mailbox.mjs';
import { client, signingSecret, shiftClock, RELAXED, uniqueEmail } from '../lib/email.mjs';

const CB = 'https://myapp.com/auth/callback';
const INVALID = { valid: false, error: 'Invalid or expired token' };

describe('token verification', () => {
  let s, mb, api, apiB, keyA, secret, token, user;
  before(async () => {
    mb = await startMailbox();
    s = await startServer({ ...mb.env, ...RELAXED, AUTHGATE_DEV: 'true' });
    const a = await s.project('tv-app', { callbacks: [CB] });
    const b = await s.project('tv-other', { callbacks: [CB] });
    keyA = a.key;
    api = client(s, a.key);
    apiB = client(s, b.key);
    secret = await signingSecret(s, 'tv-app');
    const r = await api('POST', '/api/proxy/email/signup', { email: 'jane@example.com', password: 'securePassword1', name: 'Jane Doe' });
    token = r.body.token;
    user = r.body.user;
  });
  after(async () => {
    await s.cleanup();
    await mb.close();
  });

  test('seed 002 sample: {valid, user, mfa, expiresAt}', async () => {
    const r = await api('POST', '/api/v1/token/verify', { token });
    assert.equal(r.status, 200, r.text);
    const c = jose.decodeJwt(token);
    assert.deepEqual(r.body, {
      valid: true,
      user: { id: user.id, email: 'jane@example.com', name: 'Jane Doe', picture: null, provider: 'email' },
      mfa: { enrolled: false, methods: [] },
      expiresAt: new Date(c.exp * 1000).toISOString(),
    });
    assert.match(r.body.expiresAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
  });

  test('401 for a missing or bad API key, before anything else', async () => {
    const anon = client(s, null);
    assert.equal((await anon('POST', '/api/v1/token/verify', { token })).status, 401);
    assert.equal((await anon('POST', '/api/v1/token/verify', {})).status, 401);
    const bad = client(s, 'agk_' + 'A'.repeat(43));
    assert.equal((await bad('POST', '/api/v1/token/verify', { token })).status, 401);
  });

  test('400 for a missing token', async () => {
    for (const body of [{}, { token: '' }, { token: null }]) {
      const r = await api('POST', '/api/v1/token/verify', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.valid, false);
    }
    const r = await api('POST', '/api/v1/token/verify', { token: 42 });
    assert.equal(r.status, 400);
  });

  test('401 {valid:false} for garbage and tampered tokens', async () => {
    const [h, p, sig] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'user_someoneelse' })).toString('base64url');
    const flip = sig.slice(0, -2) + (sig.at(-2) === 'A' ? 'B' : 'A') + sig.at(-1);
    for (const t of ['x', 'a.b.c', `${h}.${p}`, `${h}.${forged}.${sig}`, `${h}.${p}.${flip}`, `${h}.${p}.`, token + 'x']) {
      const r = await api('POST', '/api/v1/token/verify', { token: t });
      assert.equal(r.status, 401, t);
      assert.deepEqual(r.body, INVALID);
    }
  });

  test('alg none and algorithm confusion are refused', async () => {
    const claims = jose.decodeJwt(token);
    const none = new jose.UnsecuredJWT(claims).encode();
    const hs512 = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS512' }).sign(new Uint8Array(Buffer.concat([secret, secret])));
    const { privateKey } = await jose.generateKeyPair('RS256');
    const rs = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
    // HS256 header but signed as if the "public key" were the secret: must still fail.
    const wrongKey = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('not the secret'));
    const lower = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'hs256' }).sign(new Uint8Array(secret)).catch(() => null);
    for (const t of [none, hs512, rs, wrongKey, lower].filter(Boolean)) {
      const r = await api('POST', '/api/v1/token/verify', { token: t });
      assert.equal(r.status, 401, jose.decodeProtectedHeader(t).alg);
      assert.deepEqual(r.body, INVALID);
    }
  });

  test('a token we sign ourselves with the project secret (jose) verifies: interoperable HS256', async () => {
    const now = Math.floor(Date.now() / 1000);
    const t = await new jose.SignJWT({ app: 'tv-app', email: 'x@example.com', name: null, picture: 'https://img.example/x.png', provider: 'github', mfa: { enrolled: true, methods: ['totp'] } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer('authgate').setAudience('session').setSubject(user.id).setIssuedAt(now).setExpirationTime(now + 300)
      .sign(new Uint8Array(secret));
    const r = await api('POST', '/api/v1/token/verify', { token: t });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.mfa, { enrolled: true, methods: ['totp'] });
    assert.equal(r.body.user.picture, 'https://img.example/x.png');
    assert.equal(r.body.user.provider, 'github');
    // Wrong issuer, wrong audience, missing exp: refused.
    for (const mk of [
      (j) => j.setIssuer('someone').setAudience('session').setExpirationTime(now + 300),
      (j) => j.setIssuer('authgate').setAudience('link').setExpirationTime(now + 300),
      (j) => j.setIssuer('authgate').setAudience('session'),
    ]) {
      const bad = await mk(new jose.SignJWT({ app: 'tv-app' }).setProtectedHeader({ alg: 'HS256' }).setSubject(user.id).setIssuedAt(now)).sign(new Uint8Array(secret));
      assert.equal((await api('POST', '/api/v1/token/verify', { token: bad })).status, 401);
    }
  });

  test("another project's token is refused", async () => {
    const r = await apiB('POST', '/api/v1/token/verify', { token });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, INVALID);
  });

  test('link tokens (aud "link") are refused', async () => {
    const email = uniqueEmail('link');
    await api('POST', '/api/proxy/email/magic-link/send', { email, callback_url: CB });
    const link = new URL(linkOf(await mb.next(email)));
    const linkToken = link.searchParams.get('token');
    assert.equal(jose.decodeJwt(linkToken).aud, 'link');
    const r = await api('POST', '/api/v1/token/verify', { token: linkToken });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, INVALID);
  });

  test('expired tokens are refused (5-minute life)', async () => {
    const r0 = await api('POST', '/api/proxy/email/signin', { email: 'jane@example.com', password: 'securePassword1' });
    await shiftClock(s, 290_000);
    try {
      assert.equal((await api('POST', '/api/v1/token/verify', { token: r0.body.token })).status, 200, 'still valid at 4m50s');
      await shiftClock(s, 306_000);
      const r = await api('POST', '/api/v1/token/verify', { token: r0.body.token });
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, INVALID);
    } finally {
      await shiftClock(s, 0);
    }
  });

  // The verify path reads the body and the JWT in place (no JSON tree): it must be as
  // strict as the general parser. Bodies are sent as raw bytes.
  test('the request body: duplicate keys (also escaped), bad UTF-8, depth, unknown fields, RFC grammar', async () => {
    const raw = async (body) => {
      const res = await fetch(`${s.url}/api/v1/token/verify`, {
        method: 'POST', body, headers: { Authorization: `Bearer ${keyA}`, 'Content-Type': 'application/json' },
      });
      const text = await res.text();
      return { status: res.status, text, body: JSON.parse(text) };
    };
    const refused = [
      [`{"token":"${token}","token":"${token}"}`, /duplicate key 'token'/],
      [`{"token":"${token}","to\\u006ben":"x"}`, /duplicate key 'token'/],
      [Buffer.concat([Buffer.from('{"token":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), /UTF-8/],
      [`{"token":"a\\u0000b"}`, /NUL/],
      [`{"token":"a\\ud800"}`, /not valid JSON/],
      [`{"token":"a\tb"}`, /not valid JSON/], // a raw control character
      [`{"token":"${token}","x":1}`, /unknown field 'x'/],
      ['['.repeat(17) + ']'.repeat(17), /nested too deeply/],
      [`{"token":"${token}"}\u000b`, /not valid JSON/], // \v is not JSON whitespace
      [`{"token":01}`, /not valid JSON/],
      [`{"token":"${token}",}`, /not valid JSON/],
      [`{"token":"${token}"} {}`, /not valid JSON/],
    ];
    for (const [body, why] of refused) {
      const r = await raw(body);
      assert.equal(r.status, 400, String(body));
      assert.match(r.body.message, why, String(body));
    }
    // Escapes are decoded: "\u002e" is the token's own dot.
    const esc = token.replace('.', '\\u002e');
    const r = await raw(`{ "token" : "${esc}" }`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.user.id, user.id);
  });

  test('JWT claims: duplicates, bad UTF-8, depth and grammar refuse a validly signed token; escapes decode', async () => {
    const now = Math.floor(Date.now() / 1000);
    const b64 = (b) => Buffer.from(b).toString('base64url');
    const sign = (payload, header = '{"alg":"HS256","typ":"JWT"}') => {
      const input = `${b64(header)}.${b64(payload)}`;
      return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
    };
    const base = `"iss":"authgate","aud":"session","sub":"${user.id}","app":"tv-app","iat":${now},"exp":${now + 300}`;
    const verify = (t) => api('POST', '/api/v1/token/verify', { token: t });
    assert.equal((await verify(sign(`{${base}}`))).status, 200, 'the control token verifies');
    const bad = [
      `{${base},"sub":"user_other"}`,
      `{${base},"s\\u0075b":"user_other"}`,
      Buffer.concat([Buffer.from(`{${base},"name":"`), Buffer.from([0xff]), Buffer.from('"}')]),
      `{${base},"x":${'['.repeat(16)}${']'.repeat(16)}}`,
      `{${base},"name":"\\udc00"}`,
      `{${base},"name":"a\\u0000"}`,
      `{${base},"n":01}`,
      `{${base},"mfa":{"methods":[],"methods":["totp"]}}`,
      `{${base}} `.replace('}', '}x'),
    ];
    for (const p of bad) assert.equal((await verify(sign(p))).status, 401, String(p));
    // header: duplicate alg, crit, and depth are refused too
    for (const h of ['{"alg":"HS256","alg":"HS256"}', '{"alg":"HS256","crit":["x"]}', '{"alg":"HS256","x":' + '['.repeat(16) + ']'.repeat(16) + '}']) {
      assert.equal((await verify(sign(`{${base}}`, h))).status, 401, h);
    }
    assert.equal((await verify(sign(`{${base}}`, '{"typ":"JWT", "alg":"HS256"}'))).status, 200, 'any valid HS256 header');
    // Escaped strings come out decoded; unknown claims are ignored (RFC 7519); non-string methods skipped.
    const ok = await verify(sign(`{${base},"name":"J\\u00e9r\\u00f4me \\"Q\\" \\\\ \\/ \\ud83d\\ude00","email":"a\\u0040b.example","extra":{"k":[1,2,{"z":null}]},"mfa":{"methods":["totp",7,"passkey"]}}`));
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.user.name, 'Jérôme "Q" \\ / 😀');
    assert.equal(ok.body.user.email, 'a@b.example');
    assert.deepEqual(ok.body.mfa, { enrolled: true, methods: ['totp', 'passkey'] });
  });
});
