// Server helpers (any runtime with WebCrypto: Node 18+, edge runtimes): the app's own
// session in a sealed, HttpOnly cookie, as seed 004 recommends ("Don't store in
// localStorage ... use httpOnly cookies"). The cookie holds the user AuthGate vouched for
// and, for its remaining minutes, the AuthGate session token itself (so the app can still
// call the user's factor API right after sign-in), sealed with AES-256-GCM under a key
// derived (HKDF-SHA256) from the app's session secret: unreadable and unforgeable in the
// browser, and invisible to scripts (HttpOnly).
import { AuthGateError } from './errors.js';
import { fromBase64Url, fromUtf8, randomBytes, subtle, toBase64Url, utf8 } from './util.js';

export { verifyWebhook, WebhookVerificationError, type VerifiedWebhook, type VerifyWebhookOptions } from './webhooks.js';
export { verifyTokenLocally } from './jwt.js';

export interface AppSession {
  user: { id: string; email: string | null; name: string | null; picture?: string | null; email_verified?: boolean; provider?: string };
  /** The AuthGate session token the session was made from, while it is valid (5 minutes). */
  authgateToken?: string;
  /** Unix seconds. */
  iat: number;
  exp: number;
}

export interface SessionCookieOptions {
  /** At least 32 characters of secret (e.g. `openssl rand -base64 32`); never the API key. */
  secret: string;
  /** Default "authgate_session". */
  cookieName?: string;
  /** Seconds the session lasts. Default 7 days. */
  maxAge?: number;
  /** Default: true unless the request is plain http on localhost/127.0.0.1. */
  secure?: boolean;
  /** Default "Lax" (the cookie must come along on the redirect back from a magic link or OAuth). */
  sameSite?: 'Strict' | 'Lax';
  /** Default "/". */
  path?: string;
}

const VERSION = 'v1';
const keyCache = new Map<string, Promise<CryptoKey>>();

async function sealKey(secret: string): Promise<CryptoKey> {
  if (typeof secret !== 'string' || secret.length < 32)
    throw new AuthGateError({ status: 0, code: 'weak_session_secret', message: 'AuthGate: the session secret must be at least 32 characters' });
  let k = keyCache.get(secret);
  if (!k) {
    k = (async () => {
      const s = await subtle();
      const ikm = await s.importKey('raw', utf8(secret) as BufferSource, 'HKDF', false, ['deriveKey']);
      return s.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: utf8('authgate-sdk session cookie v1') as BufferSource },
        ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    })();
    keyCache.set(secret, k);
  }
  return k;
}

/** Seal a value (JSON) into a cookie-safe string. */
export async function seal(value: unknown, secret: string): Promise<string> {
  const iv = await randomBytes(12);
  const ct = await (await subtle()).encrypt({ name: 'AES-GCM', iv: iv as BufferSource, additionalData: utf8(VERSION) as BufferSource }, await sealKey(secret), utf8(JSON.stringify(value)) as BufferSource);
  return `${VERSION}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ct))}`;
}

/** Open a sealed string; null when it was not sealed with this secret or was altered. */
export async function unseal<T = unknown>(sealed: string, secret: string): Promise<T | null> {
  const parts = typeof sealed === 'string' ? sealed.split('.') : [];
  if (parts.length !== 3 || parts[0] !== VERSION || sealed.length > 8192) return null;
  try {
    const pt = await (await subtle()).decrypt({ name: 'AES-GCM', iv: fromBase64Url(parts[1]) as BufferSource, additionalData: utf8(VERSION) as BufferSource },
      await sealKey(secret), fromBase64Url(parts[2]) as BufferSource);
    return JSON.parse(fromUtf8(new Uint8Array(pt))) as T;
  } catch {
    return null;
  }
}

/** The value of cookie `name` in a Cookie header. */
export function readCookie(cookieHeader: string | null | undefined, name: string): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

function insecureLocal(url?: string): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

function cookieAttrs(o: SessionCookieOptions, maxAge: number, requestUrl?: string): string {
  const secure = o.secure ?? !insecureLocal(requestUrl);
  return `; Path=${o.path ?? '/'}; Max-Age=${maxAge}; HttpOnly; SameSite=${o.sameSite ?? 'Lax'}${secure ? '; Secure' : ''}`;
}

/** A Set-Cookie value holding the sealed session. */
export async function createSessionCookie(session: Omit<AppSession, 'iat' | 'exp'>, o: SessionCookieOptions, requestUrl?: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const maxAge = o.maxAge ?? 7 * 24 * 3600;
  const value = await seal({ ...session, iat: now, exp: now + maxAge } satisfies AppSession, o.secret);
  return `${o.cookieName ?? 'authgate_session'}=${value}${cookieAttrs(o, maxAge, requestUrl)}`;
}

/** A Set-Cookie value that removes the session. */
export function clearSessionCookie(o: Omit<SessionCookieOptions, 'secret'> & { secret?: string }, requestUrl?: string): string {
  return `${o.cookieName ?? 'authgate_session'}=${cookieAttrs(o as SessionCookieOptions, 0, requestUrl)}`;
}

/**
 * The session of a request (a fetch Request, or anything with a Cookie header, e.g. an
 * Express req), or null. The AuthGate token inside is dropped once it has expired.
 */
export async function getSession(
  req: Request | { headers: Headers | Record<string, string | string[] | undefined> },
  o: SessionCookieOptions,
): Promise<AppSession | null> {
  const h = req.headers as Headers | Record<string, string | string[] | undefined>;
  const raw = typeof (h as Headers).get === 'function' ? (h as Headers).get('cookie') : (h as Record<string, string | undefined>).cookie;
  const v = readCookie(Array.isArray(raw) ? raw.join('; ') : raw, o.cookieName ?? 'authgate_session');
  if (!v) return null;
  const s = await unseal<AppSession>(v, o.secret);
  const now = Math.floor(Date.now() / 1000);
  if (!s || typeof s.exp !== 'number' || s.exp <= now || !s.user?.id) return null;
  if (s.authgateToken && tokenExpired(s.authgateToken, now)) delete s.authgateToken;
  return s;
}

function tokenExpired(token: string, now: number): boolean {
  try {
    const exp = (JSON.parse(fromUtf8(fromBase64Url(token.split('.')[1] ?? ''))) as { exp?: number }).exp;
    return typeof exp !== 'number' || exp <= now;
  } catch {
    return true;
  }
}
