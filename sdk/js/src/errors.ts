// Typed errors. Every answer AuthGate refuses becomes an AuthGateError carrying its
// stable error code (`error` of the JSON body, e.g. "invalid_credentials"), the HTTP
// status, the message, Retry-After (seconds) when the server sent one, and the parsed
// body (some refusals carry more: attempts_left, the seed 004 plan fields, ...).
// Subclasses by status make `instanceof` checks read well; `code` is the precise reason.

export interface AuthGateErrorInit {
  status: number;
  code: string;
  message: string;
  retryAfter?: number | null;
  body?: unknown;
  requestId?: string | null;
  cause?: unknown;
}

export class AuthGateError extends Error {
  /** HTTP status; 0 when no answer arrived (network error, aborted, timeout). */
  readonly status: number;
  /** AuthGate's error code (`error` in the body), or the SDK's own: network_error, invalid_response, ... */
  readonly code: string;
  /** Seconds to wait before trying again (the Retry-After header), else null. */
  readonly retryAfter: number | null;
  /** The parsed JSON body of the refusal, when there was one. */
  readonly body: unknown;

  constructor(init: AuthGateErrorInit) {
    super(init.message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = new.target.name;
    this.status = init.status;
    this.code = init.code;
    this.retryAfter = init.retryAfter ?? null;
    this.body = init.body;
  }
}

/** 400: the request was malformed or a value was refused (invalid_request, weak_password, invalid_code, ...). */
export class BadRequestError extends AuthGateError {}
/** 401: a credential was missing or wrong (API key, password, session token, code, passkey). */
export class AuthenticationError extends AuthGateError {}
/** 403: not allowed (provider_disabled, origin not allowed, wrong_code, ...). */
export class ForbiddenError extends AuthGateError {}
/** 404: no such thing (unknown_provider, factor_not_found, ...). */
export class NotFoundError extends AuthGateError {}
/** 409: the state does not allow it (email_unavailable, already_decided, credential_exists, ...). */
export class ConflictError extends AuthGateError {}
/** 410: gone (an expired ceremony or push sign-in). */
export class GoneError extends AuthGateError {}
/** 429: rate limited or locked; `retryAfter` says for how long. */
export class RateLimitError extends AuthGateError {}
/** 5xx: AuthGate could not serve the request now (503 carries Retry-After). */
export class ServerError extends AuthGateError {}
/** No answer: the network failed, the request was aborted or timed out. */
export class NetworkError extends AuthGateError {}

const BY_STATUS: Record<number, typeof AuthGateError> = {
  400: BadRequestError,
  401: AuthenticationError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  410: GoneError,
  429: RateLimitError,
};

const STATUS_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Retry-After is delta-seconds or an HTTP date; answer seconds (>= 0) or null. */
export function parseRetryAfter(v: string | null | undefined, now = Date.now()): number | null {
  if (!v) return null;
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const at = Date.parse(t);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

const CODE = /^[a-z][a-z0-9_.-]*$/;

/**
 * The error for a refused answer. AuthGate's bodies are {error: code, message}; seed 004's
 * routes answer {success: false, error: "Authentication required", code, statusCode, ...}
 * where `error` is prose and `code` the stable code, so a snake_case `code` wins, then a
 * snake_case `error`.
 */
export function errorFromResponse(status: number, headers: Headers, body: unknown): AuthGateError {
  const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const raw = typeof b.error === 'string' ? b.error : undefined;
  const isCode = raw !== undefined && CODE.test(raw);
  const stable = typeof b.code === 'string' && CODE.test(b.code) ? b.code : isCode ? raw : undefined;
  const code = stable ?? STATUS_CODES[status] ?? (status >= 500 ? 'server_error' : `http_${status}`);
  const message =
    typeof b.message === 'string' ? b.message : raw && !isCode ? raw : `AuthGate answered ${status} (${code})`;
  const Cls = BY_STATUS[status] ?? (status >= 500 ? ServerError : AuthGateError);
  return new Cls({ status, code, message, retryAfter: parseRetryAfter(headers.get('retry-after')), body });
}
