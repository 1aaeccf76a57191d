// Route handlers for Next.js (App Router) — and any framework whose handlers take a
// fetch Request and answer a Response (Remix, Hono, SvelteKit, Bun, Deno). They proxy
// AuthGate's email endpoints (seed 001's `fetch('/api/auth/email/signup', ...)`, locale
// forwarded), the MFA step and passkeys from the app's own /api/auth/..., keeping the API
// key on the server, and keep the signed-in user in a sealed HttpOnly cookie. Each call
// names the visitor's address (X-AuthGate-Client-IP), so AuthGate's per-address limits
// count visitors, not the app's server (see AuthHandlersOptions.clientIp).
//
//   // app/api/auth/[...authgate]/route.ts
//   import { createAuthHandlers } from '@authgate/sdk/next';
//   export const { GET, POST } = createAuthHandlers({
//     authgateUrl: process.env.AUTHGATE_URL!, apiKey: process.env.AUTHGATE_API_KEY!,
//     session: { secret: process.env.SESSION_SECRET! },
//   });
import { AuthGate } from './client.js';
import { AuthGateError } from './errors.js';
import { isIpAddress } from './http.js';
import { decodeClaims } from './jwt.js';
import { isMfaRequired, type SessionResult, type SessionUser } from './types.js';
import { clearSessionCookie, createSessionCookie, getSession, type AppSession, type SessionCookieOptions } from './server.js';

export { getSession, createSessionCookie, clearSessionCookie, type AppSession, type SessionCookieOptions } from './server.js';

export interface AuthHandlersOptions {
  authgateUrl: string;
  /** The project API key: server only. */
  apiKey: string;
  appId?: string;
  session: SessionCookieOptions;
  /** Where the handlers are mounted. Default "/api/auth". */
  basePath?: string;
  /** The app's public origin (https://app.example.com), for the callback URLs it sends; default: the request's. */
  appUrl?: string;
  /** Where the browser goes after a magic link or OAuth sign-in. Default "/". */
  afterSignInPath?: string;
  /** Where a redirect flow that needs a second factor lands (?mfa_token=&mfa_methods=). Default "/". */
  mfaPath?: string;
  /** The page of the app that reads ?reset_token= (the reset mail links there). Default: AuthGate's choice. */
  resetPasswordPath?: string;
  /** Other origins allowed to POST (the app's own is always allowed). */
  allowedOrigins?: string[];
  /**
   * The visitor's address, which the handlers forward to AuthGate as the end user's
   * (X-AuthGate-Client-IP). A fetch Request carries no socket address, so it can only come
   * from a header, and only a header the visitor cannot write may be believed. Default
   * (`lastForwardedFor`): the LAST entry of X-Forwarded-For, the one the proxy in front of
   * the app appended (Vercel, nginx's `$proxy_add_x_forwarded_for`, load balancers;
   * `next start` sets it from the socket when there is none) — never the first entries,
   * which are whatever the visitor sent, nor X-Real-IP or a CDN's header, which only some
   * platforms set and others pass through from the visitor. Give a function for another
   * platform (`(req) => req.headers.get('cf-connecting-ip')` behind Cloudflare), or `false`
   * when the app is reachable without a proxy that appends to X-Forwarded-For (a visitor
   * could then name any address: AuthGate still caps what one API key may name). A value
   * that is not one IP address is not forwarded.
   */
  clientIp?: false | ((req: Request) => string | null | undefined);
  fetch?: typeof fetch;
}

/** The last X-Forwarded-For entry: the address the proxy in front of the app saw (see AuthHandlersOptions.clientIp). */
export function lastForwardedFor(req: Request): string | undefined {
  const xff = req.headers.get('x-forwarded-for');
  const last = xff?.split(',').pop()?.trim();
  return last || undefined;
}

type Handler = (req: Request) => Promise<Response>;

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers } });

function errorResponse(e: unknown): Response {
  if (e instanceof AuthGateError) {
    const status = e.status >= 400 ? e.status : e.code === 'api_key_required' ? 500 : 502;
    const headers: Record<string, string> = e.retryAfter !== null ? { 'Retry-After': String(e.retryAfter) } : {};
    const extra = e.body && typeof e.body === 'object' ? e.body : {};
    return json({ ...extra, error: e.status ? e.code : 'authgate_unavailable', message: e.message }, status, headers);
  }
  return json({ error: 'server_error', message: 'the sign-in could not be completed' }, 500);
}

/** Only a path of this site: "/x", never "//evil" or "/\\evil" or a URL. */
function safePath(p: string | null, fallback: string): string {
  return p && /^\/(?![/\\])/.test(p) && !/[\r\n]/.test(p) ? p : fallback;
}

const pick = (b: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => b[k] !== undefined).map((k) => [k, b[k]]));

export function createAuthHandlers(o: AuthHandlersOptions): { GET: Handler; POST: Handler; handler: Handler } {
  const basePath = (o.basePath ?? '/api/auth').replace(/\/+$/, '');
  const sessionOpts = o.session;

  /** The visitor's address for AuthGate, or undefined (not known, or not an IP address). */
  function visitor(req: Request): string | undefined {
    if (o.clientIp === false) return undefined;
    const ip = (o.clientIp ?? lastForwardedFor)(req);
    return isIpAddress(ip) ? ip : undefined;
  }

  function client(req: Request): AuthGate {
    const lang = req.headers.get('accept-language');
    return new AuthGate({ baseUrl: o.authgateUrl, apiKey: o.apiKey, appId: o.appId, fetch: o.fetch, headers: lang ? { 'Accept-Language': lang } : {} });
  }

  function origin(req: Request): string {
    if (o.appUrl) return o.appUrl.replace(/\/+$/, '');
    const u = new URL(req.url);
    const host = req.headers.get('x-forwarded-host') ?? req.headers.get('host') ?? u.host;
    const proto = req.headers.get('x-forwarded-proto') ?? u.protocol.replace(':', '');
    return `${proto}://${host}`;
  }

  // Login CSRF: a JSON body (a cross-site form cannot send one without a preflight) and,
  // when the browser says where the request comes from, this site or an allowed origin.
  function refuseCrossSite(req: Request): Response | null {
    if (!/^application\/json\b/i.test(req.headers.get('content-type') ?? ''))
      return json({ error: 'unsupported_media_type', message: 'send JSON (Content-Type: application/json)' }, 415);
    const from = req.headers.get('origin');
    if (from && from !== origin(req) && !(o.allowedOrigins ?? []).includes(from))
      return json({ error: 'origin_not_allowed', message: 'requests from another site are refused' }, 403);
    return null;
  }

  async function signedIn(req: Request, r: SessionResult, extra: Record<string, unknown> = {}): Promise<Response> {
    const user: SessionUser = r.user;
    const cookie = await createSessionCookie({ user, authgateToken: r.token }, sessionOpts, req.url);
    return json({ ...extra, user }, 200, { 'Set-Cookie': cookie });
  }

  async function verifiedSession(req: Request, ag: AuthGate, token: string): Promise<Response | SessionResult> {
    const v = await ag.verifyToken(token, { clientIp: visitor(req) });
    if (!v.valid) return json({ error: 'invalid_token', message: v.error }, 401);
    // AuthGate vouched for the token: its claims say what verify's answer leaves out.
    const c = decodeClaims(token);
    return { token, user: { id: v.user.id, email: v.user.email, name: v.user.name, picture: v.user.picture, email_verified: c?.email_verified === true, provider: v.user.provider } as SessionUser };
  }

  async function needSession(req: Request): Promise<AppSession | Response> {
    const s = await getSession(req, sessionOpts);
    if (!s) return json({ error: 'unauthorized', message: 'sign in first' }, 401);
    if (!s.authgateToken) return json({ error: 'reauth_required', message: 'sign in again to change your sign-in methods' }, 401);
    return s;
  }

  const EMAIL_FIELDS: Record<string, string[]> = {
    'email/signup': ['email', 'password', 'name', 'locale', 'callback_url'],
    'email/signin': ['email', 'password', 'locale', 'callback_url'],
    'email/verify': ['email', 'code', 'locale', 'callback_url'],
    'email/verify/resend': ['email', 'locale', 'callback_url'],
    'email/reset-password': ['email', 'locale', 'callback_url'],
    'email/reset-password/confirm': ['token', 'password', 'locale'],
    'email/magic-link/send': ['email', 'locale', 'callback_url'],
  };

  async function POST(req: Request): Promise<Response> {
    const route = new URL(req.url).pathname.slice(basePath.length + 1).replace(/\/+$/, '');
    const refused = refuseCrossSite(req);
    if (refused) return refused;
    let b: Record<string, unknown>;
    try {
      const parsed = await req.json();
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error();
      b = parsed as Record<string, unknown>;
    } catch {
      return json({ error: 'invalid_request', message: 'the body must be a JSON object' }, 400);
    }
    const ag = client(req);
    const clientIp = visitor(req);
    const str = (k: string) => (typeof b[k] === 'string' ? (b[k] as string) : '');
    try {
      if (route in EMAIL_FIELDS) {
        const body = pick(b, EMAIL_FIELDS[route]);
        if (route === 'email/magic-link/send' && !body.callback_url) body.callback_url = `${origin(req)}${basePath}/callback`;
        if (route === 'email/reset-password' && !body.callback_url && o.resetPasswordPath) body.callback_url = origin(req) + o.resetPasswordPath;
        const r = await ag.http.call('post', `/api/proxy/${route}` as '/api/proxy/email/signup', { auth: { kind: 'apiKey' }, body: body as never, clientIp });
        if (r && typeof r === 'object' && 'token' in r && typeof r.token === 'string') return signedIn(req, r as SessionResult, 'success' in r ? { success: (r as { success?: boolean }).success } : {});
        return json(r);
      }
      switch (route) {
        case 'mfa/challenge':
          return json(await ag.mfaChallenge({ mfaToken: str('mfa_token'), method: str('method') as never, clientIp }));
        case 'mfa/verify':
          return signedIn(req, await ag.mfaVerify({ mfaToken: str('mfa_token'), method: str('method') as never, code: (b.code as string) || undefined, ceremonyId: (b.ceremony_id as string) || undefined, assertion: b.assertion as Record<string, unknown> | undefined, clientIp }));
        case 'passkey/options':
          return json(await ag.passkeys.signInOptions({ clientIp }));
        case 'passkey/verify':
          return signedIn(req, await ag.passkeys.signInVerify({ ceremonyId: str('ceremony_id'), credential: b.credential as Record<string, unknown>, clientIp }));
        case 'passkey/register/options': {
          const s = await needSession(req);
          if (s instanceof Response) return s;
          return json(await ag.factors(s.authgateToken!).passkeyOptions());
        }
        case 'passkey/register': {
          const s = await needSession(req);
          if (s instanceof Response) return s;
          const r = await ag.factors(s.authgateToken!).enrollPasskey({ ceremonyId: str('ceremony_id'), credential: b.credential as Record<string, unknown>, name: (b.name as string) || undefined });
          return json({ factor: r.factor });
        }
        case 'session': {
          // Exchange an AuthGate session token (push approval, browser passkey sign-in) for the app's session.
          const v = await verifiedSession(req, ag, str('token'));
          return v instanceof Response ? v : signedIn(req, v);
        }
        case 'signout':
          return json({ success: true }, 200, { 'Set-Cookie': clearSessionCookie(sessionOpts, req.url) });
      }
      return json({ error: 'not_found', message: `no route ${route}` }, 404);
    } catch (e) {
      return errorResponse(e);
    }
  }

  async function GET(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const route = url.pathname.slice(basePath.length + 1).replace(/\/+$/, '');
    try {
      if (route === 'session') {
        const s = await getSession(req, sessionOpts);
        return json({ user: s?.user ?? null, expiresAt: s ? new Date(s.exp * 1000).toISOString() : null, canManageFactors: !!s?.authgateToken });
      }
      if (route === 'callback') {
        // Magic links and OAuth come back here: ?token=<JWT>, ?mfa_token=..., or ?error=...
        const next = safePath(url.searchParams.get('next'), o.afterSignInPath ?? '/');
        const to = (p: string) => new URL(p, origin(req)).toString();
        const token = url.searchParams.get('token');
        if (url.searchParams.get('mfa_token')) {
          const m = new URL(to(safePath(o.mfaPath ?? null, '/')));
          for (const k of ['mfa_token', 'mfa_methods', 'enroll_required']) { const v = url.searchParams.get(k); if (v) m.searchParams.set(k, v); }
          return Response.redirect(m.toString(), 303);
        }
        if (!token) {
          const m = new URL(to(next));
          m.searchParams.set('error', url.searchParams.get('error') ?? 'missing_token');
          return Response.redirect(m.toString(), 303);
        }
        const v = await verifiedSession(req, client(req), token);
        if (v instanceof Response) {
          const m = new URL(to(next));
          m.searchParams.set('error', 'invalid_token');
          return Response.redirect(m.toString(), 303);
        }
        const cookie = await createSessionCookie({ user: v.user, authgateToken: v.token }, sessionOpts, req.url);
        return new Response(null, { status: 303, headers: { Location: to(next), 'Set-Cookie': cookie, 'Cache-Control': 'no-store' } });
      }
      const oauth = /^oauth\/([a-z0-9-]{1,32})$/.exec(route);
      if (oauth) {
        const next = url.searchParams.get('next');
        const cb = `${origin(req)}${basePath}/callback` + (next ? `?next=${encodeURIComponent(safePath(next, '/'))}` : '');
        const target = await client(req).getOAuthUrl(oauth[1], cb, { locale: url.searchParams.get('locale') ?? undefined, clientIp: visitor(req) });
        return new Response(null, { status: 302, headers: { Location: target, 'Cache-Control': 'no-store' } });
      }
      return json({ error: 'not_found', message: `no route ${route}` }, 404);
    } catch (e) {
      return errorResponse(e);
    }
  }

  const handler: Handler = (req) => (req.method === 'GET' || req.method === 'HEAD' ? GET(req) : req.method === 'POST' ? POST(req) : Promise.resolve(json({ error: 'method_not_allowed', message: 'GET or POST' }, 405)));
  return { GET, POST, handler };
}

export { isMfaRequired };
