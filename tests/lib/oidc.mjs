// A real OpenID provider for the tests: the `oidc-provider` npm package on 127.0.0.1,
// standing in for Google and for a self-hosted generic OIDC provider. PKCE is required
// of every client, refresh tokens are issued, and each start signs with a fresh key
// (restarting on the same port is a key rotation as AuthGate sees it). Its development
// login and consent pages accept any login name: the account `alice` has the address
// alice@example.com (verified), a name and a picture.
import http from 'node:http';
import crypto from 'node:crypto';
import * as jose from 'jose';
import Provider from 'oidc-provider';

export function account(sub) {
  return { sub, email: `${sub}@example.com`, email_verified: true, name: `${sub[0].toUpperCase()}${sub.slice(1)} Example`,
    picture: `https://img.example/${sub}.png` };
}

// clients: [{client_id, client_secret, redirect_uris}]; port: reuse one (key rotation).
// Options for connections (docs/USERS.md): rotateRefreshToken (every refresh issues a new
// refresh token and retires the old one), revocation (RFC 7009 endpoint on),
// accessTokenTtl (seconds, or a function of the grant type).
export async function startOidcProvider({ clients, port = 0, rotateRefreshToken, revocation, accessTokenTtl }) {
  const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await jose.exportJWK(privateKey)), kid: crypto.randomBytes(6).toString('hex'), use: 'sig', alg: 'RS256' };
  const server = http.createServer();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const stats = { jwks: 0, token: 0, tokenBodies: [], revocations: 0, refreshGrants: 0 };
  const ttl = accessTokenTtl === undefined ? {} : { ttl: { AccessToken: (ctx) => (typeof accessTokenTtl === 'function'
    ? accessTokenTtl(ctx.oidc.params?.grant_type) : accessTokenTtl) } };
  const provider = new Provider(issuer, {
    clients: clients.map((c) => ({ grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post', ...c })),
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true }, revocation: { enabled: !!revocation } },
    ...(rotateRefreshToken ? { rotateRefreshToken: () => true } : {}),
    ...ttl,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
    scopes: ['openid', 'offline_access', 'email', 'profile'],
    findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => account(sub) }),
    issueRefreshToken: async () => true,
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
  });
  const cb = provider.callback();
  server.on('request', (req, res) => {
    if (req.url.startsWith('/jwks')) stats.jwks++;
    if (req.url.startsWith('/token/revocation')) stats.revocations++;
    else if (req.url.startsWith('/token')) stats.token++;
    cb(req, res);
  });
  provider.on('grant.success', (ctx) => {
    stats.tokenBodies.push({ ...(ctx.oidc.params || {}) });
    if (ctx.oidc.params?.grant_type === 'refresh_token') stats.refreshGrants++;
  });
  return {
    issuer, kid: jwk.kid, stats, port: server.address().port,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

// In Chromium: on the provider's development pages, sign in as `login` and consent.
export async function approveInBrowser(page, login) {
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any password');
  await page.click('button[type=submit]');
  await page.waitForSelector('button[type=submit]');
  await page.click('button[type=submit]'); // consent: "Continue"
}
