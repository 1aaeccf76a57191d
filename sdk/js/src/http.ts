// The one place the SDK talks HTTP: builds the URL from a path of the OpenAPI description
// (so a path the server does not serve does not compile), adds the credential, sends
// JSON, maps refusals to typed errors and network failures to NetworkError.
import type { paths } from './openapi.js';
import { AuthGateError, NetworkError, errorFromResponse } from './errors.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Op<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The JSON request body of an operation of /openapi.json. */
export type RequestBody<P extends keyof paths, M extends Method> =
  Op<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** The JSON body of an operation's success answer (200, 201 or 202; void for 204). */
export type ResponseBody<P extends keyof paths, M extends Method> =
  Op<P, M> extends { responses: infer R }
    ? R extends { 200: { content: { 'application/json': infer B } } }
      ? B
      : R extends { 201: { content: { 'application/json': infer B } } }
        ? B
        : R extends { 202: { content: { 'application/json': infer B } } }
          ? B
          : void
    : never;

/** Paths that have method M. */
export type PathWith<M extends Method> = {
  [P in keyof paths]: undefined extends paths[P][M] ? never : P;
}[keyof paths];

export type Credential = { kind: 'apiKey' } | { kind: 'bearer'; token: string } | { kind: 'userKey'; key: string } | { kind: 'none' };

export interface TransportOptions {
  baseUrl: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** Per-request timeout in ms (a long-poll adds its wait). Default 30 000. */
  timeoutMs?: number;
  /** Extra headers on every request (e.g. Accept-Language of the end user). */
  headers?: Record<string, string>;
}

export interface CallOptions<B> {
  params?: Record<string, string>;
  query?: Record<string, string | number | undefined>;
  body?: B;
  auth?: Credential;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Answer these statuses' JSON bodies instead of throwing (e.g. token verify's {valid:false}). */
  acceptStatus?: number[];
  /**
   * The end user's IP address, for a call the app's server makes on a user's behalf with the
   * project API key: sent as X-AuthGate-Client-IP, it keys AuthGate's per-address limits for
   * this request instead of the server's own address (shared by all its users). Only sent with
   * the API key (AuthGate ignores it otherwise); one IPv4 or IPv6 address, else TypeError.
   */
  clientIp?: string;
}

/** The header that names the end user's address (docs/EMAIL.md, "The end user's address"). */
export const CLIENT_IP_HEADER = 'X-AuthGate-Client-IP';

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Is s one IPv4 (dotted decimal) or IPv6 address, and nothing else (no port, zone, list or space)? */
export function isIpAddress(s: unknown): s is string {
  if (typeof s !== 'string' || s.length === 0 || s.length > 45) return false;
  if (IPV4.test(s)) return true;
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.startsWith('['); // the WHATWG host parser checks the form
  } catch {
    return false;
  }
}

export class Transport {
  readonly baseUrl: string;
  readonly apiKey?: string;
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: TransportOptions) {
    const o = options;
    if (!o.baseUrl) throw new TypeError('AuthGate: baseUrl is required');
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.apiKey = o.apiKey;
    const f = o.fetch ?? globalThis.fetch;
    if (typeof f !== 'function') throw new TypeError('AuthGate: no fetch on this platform: pass options.fetch');
    this.fetchImpl = f.bind(globalThis);
    this.timeoutMs = o.timeoutMs ?? 30000;
    this.headers = o.headers ?? {};
  }

  /** The same transport (API key, fetch, timeout, headers) at a base URL under this one. */
  under(prefix: string): Transport {
    return new Transport({ ...this.options, baseUrl: this.baseUrl + prefix });
  }

  /** The absolute URL of a path template with its parameters and query. */
  url(path: string, params?: Record<string, string>, query?: Record<string, string | number | undefined>): string {
    const p = path.replace(/\{(\w+)\}/g, (_, k: string) => {
      const v = params?.[k];
      if (typeof v !== 'string' || v === '') throw new TypeError(`AuthGate: missing path parameter ${k}`);
      return encodeURIComponent(v);
    });
    const u = new URL(this.baseUrl + p);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  headersFor(auth: Credential, extra?: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { Accept: 'application/json', ...this.headers, ...extra };
    if (auth.kind === 'apiKey') {
      if (!this.apiKey)
        throw new AuthGateError({ status: 0, code: 'api_key_required', message: 'AuthGate: this call needs the project API key (server side only)' });
      h.Authorization = `Bearer ${this.apiKey}`;
    } else if (auth.kind === 'bearer') {
      if (!auth.token) throw new TypeError('AuthGate: a session token is required');
      h.Authorization = `Bearer ${auth.token}`;
    } else if (auth.kind === 'userKey') {
      if (!auth.key) throw new TypeError('AuthGate: a user API key is required');
      h['X-API-Key'] = auth.key; // seed 004: a user's own API key (agnt_sk_...)
    }
    return h;
  }

  /** Send and return the raw Response (after the timeout/abort wiring); errors are the caller's. */
  async send(method: string, url: string, init: { headers: Record<string, string>; body?: string; signal?: AbortSignal; timeoutMs?: number }): Promise<Response> {
    const timeout = init.timeoutMs ?? this.timeoutMs;
    const ctl = new AbortController();
    const onAbort = () => ctl.abort(init.signal?.reason);
    if (init.signal?.aborted) onAbort();
    else init.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = timeout > 0 ? setTimeout(() => ctl.abort(new Error('timeout')), timeout) : undefined;
    try {
      return await this.fetchImpl(url, { method, headers: init.headers, body: init.body, signal: ctl.signal, redirect: 'manual' });
    } catch (e) {
      const aborted = init.signal?.aborted;
      throw new NetworkError({
        status: 0,
        code: aborted ? 'aborted' : ctl.signal.aborted ? 'timeout' : 'network_error',
        message: aborted ? 'AuthGate: request aborted' : ctl.signal.aborted ? `AuthGate: no answer within ${timeout} ms` : `AuthGate: ${method} ${new URL(url).pathname} failed: ${(e as Error)?.message ?? e}`,
        cause: e,
      });
    } finally {
      if (timer) clearTimeout(timer);
      init.signal?.removeEventListener('abort', onAbort);
    }
  }

  async call<P extends keyof paths, M extends Method>(
    method: M,
    path: P,
    o: CallOptions<RequestBody<P, M>> = {},
  ): Promise<ResponseBody<P, M>> {
    const url = this.url(path as string, o.params, o.query);
    const headers = this.headersFor(o.auth ?? { kind: 'none' }, o.headers);
    if (o.clientIp !== undefined && o.auth?.kind === 'apiKey') {
      if (!isIpAddress(o.clientIp)) throw new TypeError('AuthGate: clientIp must be one IPv4 or IPv6 address');
      headers[CLIENT_IP_HEADER] = o.clientIp;
    }
    let body: string | undefined;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers['Content-Type'] = 'application/json';
    }
    const res = await this.send(method.toUpperCase(), url, { headers, body, signal: o.signal, timeoutMs: o.timeoutMs });
    const text = await res.text().catch(() => '');
    let json: unknown;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (res.ok || o.acceptStatus?.includes(res.status)) {
      if (res.status === 204) return undefined as ResponseBody<P, M>;
      if (json === undefined)
        throw new AuthGateError({ status: res.status, code: 'invalid_response', message: `AuthGate: ${res.status} without a JSON body from ${path as string}` });
      return json as unknown as ResponseBody<P, M>;
    }
    throw errorFromResponse(res.status, res.headers, json);
  }
}
