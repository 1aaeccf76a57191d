// A programmable identity provider for the OAuth tests, on 127.0.0.1:
//  - OpenID Connect (discovery, JWKS, /authorize, /token, /userinfo) whose ID tokens a
//    test can spoil one way at a time (wrong iss/aud/nonce, expired, HS256 with the
//    public key, a kid not in the JWKS, ...), that checks PKCE S256 strictly, counts JWKS
//    fetches and can be slow or down;
//  - GitHub's shape (/login/oauth/authorize, /login/oauth/access_token with GitHub's
//    quirks: form-encoded replies unless JSON is asked for, errors in a 200 body; /user,
//    /user/emails).
// The well-behaved case is tested against the real `oidc-provider` (tests/lib/oidc.mjs);
// this one exists for what a real provider would never do on purpose.
import http from 'node:http';
import crypto from 'node:crypto';
import * as jose from 'jose';

export async function startFakeProvider(opts = {}) {
  const { publicKey, privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const other = await jose.generateKeyPair('RS256', { extractable: true }); // never published
  const ec = await jose.generateKeyPair('ES256', { extractable: true });
  const ecJwk = { ...(await jose.exportJWK(ec.publicKey)), kid: 'e1', alg: 'ES256', use: 'sig' };
  const ed = await jose.generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const edJwk = { ...(await jose.exportJWK(ed.publicKey)), kid: 'd1', alg: 'EdDSA', use: 'sig' };

  const f = {
    clientId: opts.clientId || 'fake-client',
    clientSecret: opts.clientSecret || 'fake-secret-' + crypto.randomBytes(8).toString('hex'),
    hits: { jwks: 0, discovery: 0, token: 0, userinfo: 0, authorize: 0, user: 0, emails: 0 },
    authorizeParams: [],
    tokenBodies: [],
    // per-test knobs
    account: { sub: 'fake-user-1', email: 'fake@example.com', email_verified: true, name: 'Fake User', picture: 'https://img.example/fake.png' },
    spoil: null,          // how the next ID tokens are made wrong
    issParam: false,      // send RFC 9207 iss with the response
    issParamValue: null,  // ... with this value instead of ours
    authorizeError: null, // answer /authorize with ?error=
    delayMs: 0,           // slow token endpoint
    down: false,          // token endpoint answers 503
    jwksCacheControl: 'max-age=3600',
    jwksDown: false,      // the JWKS endpoint answers 503
    clockOffsetS: 0,      // the provider's clock runs ahead (to follow AuthGate's dev clock)
    publishExtraKeys: false,
    github: { id: 4242, login: 'octo', name: 'Octo Cat', avatar_url: 'https://avatars.example/u/4242', email: null,
      emails: [{ email: 'octo@example.com', primary: true, verified: true }, { email: 'other@example.com', primary: false, verified: true }] },
    githubTokenError: null,
    discord: { id: '80351110224678912', username: 'nelly', global_name: 'Nelly', avatar: '8342729096ea3675442027381ff50dfe',
      email: 'nelly@example.com', verified: true },
    codes: new Map(),
    apple: null, // {teamId, keyId, publicKey, pem}: check client secrets as Apple does
  };
  if (opts.apple) {
    const k = await jose.generateKeyPair('ES256', { extractable: true });
    f.apple = { teamId: 'TEAM123456', keyId: 'KEYID12345', publicKey: k.publicKey, pem: await jose.exportPKCS8(k.privateKey) };
  }

  async function idToken(params) {
    const now = Math.floor(Date.now() / 1000) + f.clockOffsetS;
    const claims = { iss: f.issuer, aud: f.clientId, sub: f.account.sub, iat: now, exp: now + 300, nonce: params.nonce,
      email: f.account.email, email_verified: f.account.email_verified, name: f.account.name, picture: f.account.picture };
    let alg = 'RS256', key = privateKey, kid = 'k1';
    switch (f.spoil) {
      case 'iss': claims.iss = 'https://evil.example'; break;
      case 'aud': claims.aud = 'someone-else'; break;
      case 'aud-multi-no-azp': claims.aud = [f.clientId, 'someone-else']; break;
      case 'azp': claims.aud = [f.clientId, 'someone-else']; claims.azp = 'someone-else'; break;
      case 'nonce': claims.nonce = 'not-the-nonce'; break;
      case 'no-nonce': delete claims.nonce; break;
      case 'expired': claims.iat = now - 3600; claims.exp = now - 600; break;
      case 'future-iat': claims.iat = now + 3600; claims.exp = now + 7200; break;
      case 'unknown-kid': key = other.privateKey; kid = 'rotated-away'; break;
      case 'wrong-key': key = other.privateKey; break; // kid k1, someone else's key
      case 'es256': alg = 'ES256'; key = ec.privateKey; kid = 'e1'; break;
      case 'eddsa': alg = 'EdDSA'; key = ed.privateKey; kid = 'd1'; break;
      case 'hs256-public-key': {
        const secret = new TextEncoder().encode(JSON.stringify(jwk));
        return await new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'k1' }).sign(secret);
      }
      case 'none': {
        const b = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${b({ alg: 'none' })}.${b(claims)}.`;
      }
      default: break;
    }
    return await new jose.SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'JWT' }).sign(key);
  }

  function send(res, status, body, headers = {}) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json', ...headers });
    res.end(text);
  }

  function readBody(req) {
    return new Promise((resolve) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
  }

  function redirectBack(res, q, extra) {
    const to = new URL(q.get('redirect_uri'));
    if (f.authorizeError) {
      to.searchParams.set('error', f.authorizeError);
    } else {
      const code = crypto.randomBytes(16).toString('hex');
      f.codes.set(code, { challenge: q.get('code_challenge'), method: q.get('code_challenge_method'), nonce: q.get('nonce'),
        redirect_uri: q.get('redirect_uri'), ...extra });
      to.searchParams.set('code', code);
    }
    to.searchParams.set('state', q.get('state'));
    if (f.issParam) to.searchParams.set('iss', f.issParamValue || f.issuer);
    if (q.get('response_mode') === 'form_post') {
      // Apple's way: an auto-submitted cross-site form POST to the redirect URI
      const inputs = [...to.searchParams].map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/"/g, '&quot;')}">`).join('');
      to.search = '';
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(`<!doctype html><form method="post" action="${to}">${inputs}` +
        `<input type="hidden" name="user" value='{"name":{"firstName":"Ann","lastName":"Apple"}}'></form>` +
        '<script>document.forms[0].submit()</script>');
      return;
    }
    res.writeHead(302, { Location: to.toString() });
    res.end();
  }

  // Apple: the client secret is an ES256 JWT signed with the team's key.
  async function appleSecretProblem(secret) {
    try {
      const { protectedHeader } = await jose.jwtVerify(secret, f.apple.publicKey, { algorithms: ['ES256'], issuer: f.apple.teamId,
        subject: f.clientId, audience: f.issuer, maxTokenAge: 600 });
      return protectedHeader.kid === f.apple.keyId ? null : 'kid';
    } catch (e) {
      return String(e.code || e);
    }
  }

  // PKCE S256 (RFC 7636 4.6); returns an error code or null.
  function pkceProblem(c, verifier) {
    if (!c.challenge || c.method !== 'S256') return 'pkce_not_used';
    if (!verifier) return 'missing_verifier';
    const expect = crypto.createHash('sha256').update(verifier).digest('base64url');
    return expect === c.challenge ? null : 'verifier_mismatch';
  }

  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url, f.issuer);
    const q = u.searchParams;
    try {
      if (u.pathname === '/.well-known/openid-configuration') {
        f.hits.discovery++;
        return send(res, 200, {
          issuer: f.issuer, authorization_endpoint: `${f.issuer}/authorize`, token_endpoint: `${f.issuer}/token`,
          userinfo_endpoint: `${f.issuer}/userinfo`, jwks_uri: `${f.issuer}/jwks`,
          response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
          authorization_response_iss_parameter_supported: f.issParam,
        });
      }
      if (u.pathname === '/jwks') {
        f.hits.jwks++;
        if (f.jwksDown) return send(res, 503, { error: 'down' });
        const keys = [jwk];
        if (f.publishExtraKeys) keys.push(ecJwk, edJwk);
        return send(res, 200, { keys }, { 'Cache-Control': f.jwksCacheControl });
      }
      if (u.pathname === '/authorize' || u.pathname === '/login/oauth/authorize') {
        f.hits.authorize++;
        f.authorizeParams.push(Object.fromEntries(q));
        return redirectBack(res, q, {});
      }
      if (u.pathname === '/token' && req.method === 'POST') {
        f.hits.token++;
        const body = new URLSearchParams(await readBody(req));
        f.tokenBodies.push(Object.fromEntries(body));
        if (f.delayMs) await new Promise((r) => setTimeout(r, f.delayMs));
        if (f.down) return send(res, 503, { error: 'temporarily_unavailable' });
        const c = f.codes.get(body.get('code'));
        f.codes.delete(body.get('code'));
        if (f.apple) {
          f.appleSecretProblem = await appleSecretProblem(body.get('client_secret'));
          if (body.get('client_id') !== f.clientId || f.appleSecretProblem) return send(res, 401, { error: 'invalid_client' });
        } else if (body.get('client_id') !== f.clientId || body.get('client_secret') !== f.clientSecret) {
          return send(res, 401, { error: 'invalid_client' });
        }
        if (!c || c.redirect_uri !== body.get('redirect_uri')) return send(res, 400, { error: 'invalid_grant' });
        const pk = pkceProblem(c, body.get('code_verifier'));
        if (pk) return send(res, 400, { error: 'invalid_grant', error_description: pk });
        return send(res, 200, { access_token: 'at-' + crypto.randomBytes(8).toString('hex'), token_type: 'Bearer', expires_in: 3600,
          id_token: await idToken(c) });
      }
      if (u.pathname === '/userinfo') {
        f.hits.userinfo++;
        return send(res, 200, { sub: f.account.sub, email: f.account.email, email_verified: f.account.email_verified });
      }
      // ---- Discord's shape (/users/@me) ----
      if (u.pathname === '/api/users/@me') {
        f.hits.user++;
        if (!/^Bearer at-/.test(req.headers.authorization || '')) return send(res, 401, { message: '401: Unauthorized' });
        return send(res, 200, f.discord);
      }
      // ---- GitHub's shape ----
      if (u.pathname === '/login/oauth/access_token' && req.method === 'POST') {
        f.hits.token++;
        const body = new URLSearchParams(await readBody(req));
        f.tokenBodies.push(Object.fromEntries(body));
        const json = /application\/json/.test(req.headers.accept || '');
        const reply = (o) => (json ? send(res, 200, o) : send(res, 200, new URLSearchParams(o).toString()));
        const c = f.codes.get(body.get('code'));
        f.codes.delete(body.get('code'));
        // GitHub answers errors with 200 and an error field.
        if (f.githubTokenError) return reply({ error: f.githubTokenError, error_description: 'The code passed is incorrect or expired.' });
        if (!c || body.get('client_secret') !== f.clientSecret) return reply({ error: 'bad_verification_code' });
        const pk = pkceProblem(c, body.get('code_verifier'));
        if (pk) return reply({ error: 'bad_verification_code', error_description: pk });
        return reply({ access_token: 'gho_' + crypto.randomBytes(8).toString('hex'), token_type: 'bearer', scope: 'read:user,user:email' });
      }
      if (u.pathname === '/user') {
        f.hits.user++;
        if (!/^(Bearer|token) gho_/.test(req.headers.authorization || '')) return send(res, 401, { message: 'Bad credentials' });
        const g = f.github;
        return send(res, 200, { id: g.id, login: g.login, name: g.name, avatar_url: g.avatar_url, email: g.email });
      }
      if (u.pathname === '/user/emails') {
        f.hits.emails++;
        return send(res, 200, f.github.emails);
      }
      send(res, 404, { error: 'not_found' });
    } catch (e) {
      send(res, 500, { error: String(e) });
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  f.issuer = `http://127.0.0.1:${server.address().port}`;
  f.close = () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); });
  return f;
}

// Follow one sign-in without a browser: start at AuthGate (GET with a cookie jar), pass
// the provider (which approves at once), come back to AuthGate's callback, and stop at
// the app's callback_url. Returns {location, token, error, cookie, steps}.
export async function signInFlow(s, provider, { callbackUrl, appId, startUrl, cookie, tamper } = {}) {
  const steps = [];
  let jar = cookie || '';
  const go = async (url, init = {}) => {
    const res = await fetch(url, { redirect: 'manual', ...init, headers: { ...(init.headers || {}), ...(jar && url.startsWith(s.url) ? { Cookie: jar } : {}) } });
    const set = res.headers.get('set-cookie');
    if (set && url.startsWith(s.url)) jar = set.split(';')[0];
    steps.push({ url, status: res.status, location: res.headers.get('location') });
    return res;
  };
  const first = startUrl || `${s.url}/api/proxy/${provider}?callback_url=${encodeURIComponent(callbackUrl)}${appId ? `&app_id=${appId}` : ''}`;
  let res = await go(first);
  if (res.status !== 302) return { status: res.status, body: await res.text(), steps, cookie: jar };
  const authorize = res.headers.get('location');
  res = await go(authorize);
  let back = res.headers.get('location');
  if (tamper) back = tamper(back);
  const startCookie = jar;
  res = await go(back);
  const location = res.headers.get('location');
  const out = { status: res.status, location, steps, cookie: startCookie, callback: back, body: res.status >= 400 ? await res.text() : undefined };
  if (location) {
    const u = new URL(location);
    out.token = u.searchParams.get('token');
    out.error = u.searchParams.get('error');
  }
  return out;
}
