// Small platform helpers shared by the SDK: base64/base64url without Buffer (browsers),
// UTF-8, WebCrypto lookup (Node 18 has it only as require('node:crypto').webcrypto), and
// a constant-time comparison.

const enc = new TextEncoder();
const dec = new TextDecoder();

export const utf8 = (s: string): Uint8Array => enc.encode(s);
export const fromUtf8 = (b: Uint8Array): string => dec.decode(b);

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export const toBase64Url = (bytes: Uint8Array): string =>
  toBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Decode base64url (padding optional); throws on characters outside the alphabet. */
export function fromBase64Url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new TypeError('not base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/');
  return fromBase64(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

let subtlePromise: Promise<SubtleCrypto> | undefined;

/** The platform's WebCrypto SubtleCrypto: globalThis.crypto (browsers, Node 19+), else node:crypto's. */
export function subtle(): Promise<SubtleCrypto> {
  if (globalThis.crypto?.subtle) return Promise.resolve(globalThis.crypto.subtle);
  // Node 18 without --experimental-global-webcrypto. The specifier is a variable so that
  // browser bundlers do not try to resolve a Node built-in.
  const mod = 'node:crypto';
  subtlePromise ??= import(/* webpackIgnore: true */ /* @vite-ignore */ mod).then(
    (m: { webcrypto: Crypto }) => m.webcrypto.subtle,
  );
  return subtlePromise;
}

export async function randomBytes(n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  if (globalThis.crypto?.getRandomValues) return globalThis.crypto.getRandomValues(out);
  const mod = 'node:crypto';
  const m: { webcrypto: Crypto } = await import(/* webpackIgnore: true */ /* @vite-ignore */ mod);
  return m.webcrypto.getRandomValues(out);
}

export async function hmacSha256(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const s = await subtle();
  const k = await s.importKey('raw', key as BufferSource, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await s.sign('HMAC', k, data as BufferSource));
}

/** Compare two byte strings in time that depends on their length only. */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export function toBytes(data: string | Uint8Array | ArrayBuffer): Uint8Array {
  if (typeof data === 'string') return utf8(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError('expected a string, Uint8Array (Buffer) or ArrayBuffer');
}
