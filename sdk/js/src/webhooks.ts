// verifyWebhook: check a delivery from AuthGate before trusting it.
//
// AuthGate signs every delivery twice (docs/WEBHOOKS.md): seed 000's
// `X-AuthGate-Signature: sha256=<hex HMAC-SHA256(body) keyed by the secret string>` and
// Standard Webhooks' `webhook-signature: v1,<base64 HMAC-SHA256("{id}.{timestamp}.{body}")>`
// keyed by the base64-decoded part after `whsec_`. The Standard Webhooks signature covers
// the attempt's time, so it gives the replay window: a delivery older (or newer) than
// `toleranceSec` is refused. The seed's signature covers the body only: it is checked too
// when present, and accepted alone only with `requireTimestamp: false` (no replay window).
//
// Why the raw body: both signatures are over the exact bytes AuthGate sent. Parsing the
// JSON and serializing it again can change them (key order, escapes, spaces, numbers),
// and then a valid delivery fails — or a receiver that "fixes" this by signing its own
// re-serialization verifies something other than what was sent. Give verifyWebhook the
// body before any JSON parser touches it: express.raw({type: 'application/json'}),
// `await request.text()` in Next.js / fetch handlers, `await request.body()` in FastAPI.
import { AuthGateError } from './errors.js';
import { fromBase64, fromUtf8, hmacSha256, timingSafeEqual, toBytes, utf8 } from './util.js';

export type WebhookHeaders =
  | Headers
  | Record<string, string | string[] | undefined>
  | { get(name: string): string | null | undefined };

export interface VerifyWebhookOptions {
  /** Replay window in seconds around webhook-timestamp. Default 300 (five minutes). */
  toleranceSec?: number;
  /** Refuse deliveries without the Standard Webhooks timestamped signature. Default true. */
  requireTimestamp?: boolean;
  /** Current time in ms (tests). */
  now?: number;
}

/** The seed 000 push events, the test event, and any other event AuthGate sends. */
export type WebhookPayload =
  | { event: 'approved'; session_id: string; timestamp: string; app_id: string; email: string | null; ip: string; device_id: string; device_name: string; new_device: boolean }
  | { event: 'denied'; session_id: string; timestamp: string; app_id: string; email: string | null; ip: string; device_id: string | null; reason: 'denied' | 'not_me' | 'wrong_code' }
  | { event: 'test'; timestamp: string; app_id: string; endpoint_id: string }
  | { type: string; data: Record<string, unknown>; timestamp: string; event?: undefined }
  | Record<string, unknown>;

export interface VerifiedWebhook {
  /** webhook-id = X-AuthGate-Delivery: the same on every retry of one event; deduplicate on it. */
  id: string | null;
  /** The attempt's time (webhook-timestamp), or null when only the seed's signature was checked. */
  timestamp: Date | null;
  /** The event name (X-AuthGate-Event, else the payload's event/type). */
  event: string;
  /** Which signatures were checked: ['standard', 'authgate'] when both were present. */
  verified: Array<'standard' | 'authgate'>;
  payload: WebhookPayload;
}

export class WebhookVerificationError extends AuthGateError {}

const fail = (code: string, message: string) => new WebhookVerificationError({ status: 0, code, message: `AuthGate webhook: ${message}` });

function header(h: WebhookHeaders, name: string): string | undefined {
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name) ?? undefined;
  const rec = h as Record<string, string | string[] | undefined>;
  const key = Object.keys(rec).find((k) => k.toLowerCase() === name);
  const v = key === undefined ? undefined : rec[key];
  return Array.isArray(v) ? v.join(' ') : v;
}

/**
 * Verify an AuthGate webhook delivery. Resolves with the parsed payload, or rejects with a
 * WebhookVerificationError: missing_signature, invalid_signature, missing_timestamp,
 * timestamp_out_of_window, invalid_secret or invalid_body.
 */
export async function verifyWebhook(
  rawBody: string | Uint8Array | ArrayBuffer,
  headers: WebhookHeaders,
  secret: string,
  o: VerifyWebhookOptions = {},
): Promise<VerifiedWebhook> {
  if (typeof secret !== 'string' || !secret) throw fail('invalid_secret', 'no secret given');
  if (rawBody === undefined || rawBody === null || (typeof rawBody === 'object' && !(rawBody instanceof Uint8Array) && !(rawBody instanceof ArrayBuffer)))
    throw fail('invalid_body', 'pass the raw request body (string or bytes), not a parsed object: see the note on raw bodies');
  const body = toBytes(rawBody);
  const verified: Array<'standard' | 'authgate'> = [];
  const id = header(headers, 'webhook-id');
  const ts = header(headers, 'webhook-timestamp');
  const sigs = header(headers, 'webhook-signature');
  const seedSig = header(headers, 'x-authgate-signature');
  let timestamp: Date | null = null;

  if (sigs !== undefined) {
    if (!id || !ts) throw fail('missing_signature', 'webhook-signature without webhook-id and webhook-timestamp');
    if (!/^\d{1,12}$/.test(ts)) throw fail('invalid_signature', 'webhook-timestamp is not a Unix time');
    const tol = o.toleranceSec ?? 300;
    const now = Math.floor((o.now ?? Date.now()) / 1000);
    if (Math.abs(now - Number(ts)) > tol) throw fail('timestamp_out_of_window', `webhook-timestamp is more than ${tol} s away from now`);
    if (!secret.startsWith('whsec_')) throw fail('invalid_secret', 'the endpoint secret starts with whsec_');
    let key: Uint8Array;
    try {
      key = fromBase64(secret.slice(6));
    } catch {
      throw fail('invalid_secret', 'the part after whsec_ is not base64');
    }
    const prefix = utf8(`${id}.${ts}.`);
    const signed = new Uint8Array(prefix.length + body.length);
    signed.set(prefix);
    signed.set(body, prefix.length);
    const expected = await hmacSha256(key, signed);
    let ok = false;
    for (const s of sigs.split(' ')) {
      const [v, b64] = s.split(',', 2);
      if (v !== 'v1' || !b64) continue;
      let got: Uint8Array;
      try {
        got = fromBase64(b64);
      } catch {
        continue;
      }
      if (timingSafeEqual(got, expected)) ok = true;
    }
    if (!ok) throw fail('invalid_signature', 'webhook-signature does not match the body');
    verified.push('standard');
    timestamp = new Date(Number(ts) * 1000);
  } else if (o.requireTimestamp !== false) {
    throw fail(seedSig ? 'missing_timestamp' : 'missing_signature', seedSig
      ? 'no Standard Webhooks signature (webhook-timestamp): no replay window; pass requireTimestamp: false to accept X-AuthGate-Signature alone'
      : 'no signature headers');
  }

  if (seedSig !== undefined) {
    const m = /^sha256=([0-9a-f]{64})$/i.exec(seedSig.trim());
    const expected = await hmacSha256(utf8(secret), body);
    const got = m ? Uint8Array.from(m[1].match(/../g)!.map((x) => parseInt(x, 16))) : new Uint8Array(0);
    if (!timingSafeEqual(got, expected)) throw fail('invalid_signature', 'X-AuthGate-Signature does not match the body');
    verified.push('authgate');
  }
  if (verified.length === 0) throw fail('missing_signature', 'no signature headers');

  let payload: WebhookPayload;
  try {
    payload = JSON.parse(fromUtf8(body));
  } catch {
    throw fail('invalid_body', 'the body is not JSON');
  }
  if (!payload || typeof payload !== 'object') throw fail('invalid_body', 'the body is not a JSON object');
  const p = payload as Record<string, unknown>;
  const event = header(headers, 'x-authgate-event') ?? (typeof p.event === 'string' ? p.event : typeof p.type === 'string' ? p.type : 'unknown');
  return { id: id ?? header(headers, 'x-authgate-delivery') ?? null, timestamp, event, verified, payload };
}
