// Local verification of AuthGate's session tokens (HS256 with the project's signing
// secret, which `GET /admin/api/projects/{app_id}/signing-secret` shows base64url-encoded).
// Pinned: alg HS256 only (never none or another algorithm), iss "authgate", the audience,
// exp/nbf with a small leeway, and the project (`app` claim) when appId is given.
// What a local check cannot see: a session ended by a password reset (docs/EMAIL.md);
// AuthGate.verifyToken asks the server, which knows.
import { AuthGateError } from './errors.js';
import { fromBase64Url, fromUtf8, hmacSha256, timingSafeEqual, utf8 } from './util.js';

export interface SessionClaims {
  iss: 'authgate';
  aud: string;
  sub: string;
  app: string;
  iat: number;
  exp: number;
  jti?: string;
  email?: string | null;
  name?: string | null;
  picture?: string | null;
  email_verified?: boolean;
  provider?: string;
  amr?: string[];
  mfa?: { enrolled: boolean; methods: string[] };
  device_id?: string;
  [claim: string]: unknown;
}

export interface VerifyLocallyOptions {
  /** The project's signing secret: the base64url string AuthGate shows, or its 32 raw bytes. */
  secret: string | Uint8Array;
  /** Refuse tokens of another project (the `app` claim). Strongly recommended. */
  appId?: string;
  /** Default "session" (seed 002's login tokens). */
  audience?: string;
  /** Seconds of clock skew allowed on exp/nbf/iat. Default 5. */
  clockToleranceSec?: number;
  /** Current time in ms (tests). */
  now?: number;
}

const invalid = (message: string) => new AuthGateError({ status: 0, code: 'invalid_token', message: `AuthGate: ${message}` });

function part(s: string, what: string): Record<string, unknown> {
  try {
    const v = JSON.parse(fromUtf8(fromBase64Url(s)));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    /* fall through */
  }
  throw invalid(`token ${what} is not base64url JSON`);
}

/** Verify an AuthGate token without a network round trip; answers its claims or throws invalid_token. */
export async function verifyTokenLocally(token: string, o: VerifyLocallyOptions): Promise<SessionClaims> {
  if (typeof token !== 'string' || token.length > 8192) throw invalid('no token');
  const segs = token.split('.');
  if (segs.length !== 3) throw invalid('not a JWS compact token');
  const header = part(segs[0], 'header');
  // Pin the algorithm before any key is used: alg "none", HS512, RS256 ... are refused.
  if (header.alg !== 'HS256') throw invalid(`algorithm ${String(header.alg)} refused (HS256 only)`);
  if (header.crit !== undefined) throw invalid('critical header parameters are not supported');
  const key = typeof o.secret === 'string' ? fromBase64Url(o.secret) : o.secret;
  if (!key || key.length < 32) throw invalid('the signing secret must be 32 bytes (the base64url string AuthGate shows)');
  let sig: Uint8Array;
  try {
    sig = fromBase64Url(segs[2]);
  } catch {
    throw invalid('signature is not base64url');
  }
  const mac = await hmacSha256(key, utf8(`${segs[0]}.${segs[1]}`));
  if (!timingSafeEqual(mac, sig)) throw invalid('signature does not verify');
  const c = part(segs[1], 'payload') as SessionClaims;
  const now = (o.now ?? Date.now()) / 1000;
  const leeway = o.clockToleranceSec ?? 5;
  if (c.iss !== 'authgate') throw invalid('issuer is not authgate');
  const aud = o.audience ?? 'session';
  if (!(c.aud === aud || (Array.isArray(c.aud) && (c.aud as unknown[]).includes(aud)))) throw invalid(`audience is not ${aud}`);
  if (typeof c.exp !== 'number' || now > c.exp + leeway) throw invalid('token expired');
  if (typeof c.nbf === 'number' && now + leeway < c.nbf) throw invalid('token not yet valid');
  if (typeof c.iat === 'number' && now + leeway < c.iat) throw invalid('token issued in the future');
  if (typeof c.sub !== 'string' || !c.sub) throw invalid('token has no subject');
  if (o.appId !== undefined && c.app !== o.appId) throw invalid('token of another project');
  return c;
}

/** The claims of a token WITHOUT checking it: only for tokens AuthGate has just verified. */
export function decodeClaims(token: string): SessionClaims | null {
  try {
    return part(token.split('.')[1] ?? '', 'payload') as SessionClaims;
  } catch {
    return null;
  }
}
