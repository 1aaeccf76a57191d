// The core client: one object for every API family AuthGate serves to apps. Methods
// that need the project API key (email, OAuth URLs, the MFA step, token verification,
// webhooks) run on servers; push sign-in and passkey sign-in run in browsers with the
// project's app_id (AuthGate answers CORS for the project's allowed origins).
// Method names follow seed 001 (`emailSignup`, `getOAuthUrl`); options are camelCase and
// are sent as the snake_case fields of /openapi.json.
import { AuthGateError, errorFromResponse } from './errors.js';
import { Transport, type Credential, type TransportOptions } from './http.js';
import { PushClient } from './push.js';
import { PasskeyClient } from './passkeys.js';
import { UsersClient } from './users.js';
import { verifyTokenLocally, type SessionClaims, type VerifyLocallyOptions } from './jwt.js';
import type * as T from './types.js';

export interface AuthGateOptions extends TransportOptions {
  /** The project (app_id): needed by push sign-in, browser passkey sign-in and browser OAuth URLs. */
  appId?: string;
  /** The project's signing secret (base64url) for verifyTokenLocally. */
  signingSecret?: string;
  /**
   * An API key is a server secret: the constructor refuses one where `document` exists
   * (a browser) unless this is true.
   */
  dangerouslyAllowBrowser?: boolean;
}

/** For calls the app's server makes on one user's behalf with the project API key. */
export interface OnBehalfOf {
  /**
   * The end user's IP address (X-AuthGate-Client-IP): AuthGate's per-address limits then
   * count this user, not the app's server, whose one address all its users share. One
   * IPv4 or IPv6 address. The Next.js handlers pass the visitor's (see next.ts).
   */
  clientIp?: string;
}

/** Options shared by the email endpoints. */
interface Common extends OnBehalfOf {
  /** One of the project's registered callback URLs. */
  callbackUrl?: string;
  /** en, it, es, fr, de, pt, ja, ko, zh, nl, pl, ru, sv, da, nb, fi, ar, he, th, vi (or a tag like pt-BR). */
  locale?: string;
  signal?: AbortSignal;
}
export interface EmailSignupOptions extends Common { email: string; password: string; name?: string }
export interface EmailSigninOptions extends Common { email: string; password: string }
export interface EmailVerifyOptions extends Common { email: string; code: string }
export interface EmailOnlyOptions extends Common { email: string }
export interface ResetConfirmOptions extends OnBehalfOf { token: string; password: string; locale?: string; signal?: AbortSignal }
export interface MagicLinkOptions extends OnBehalfOf { email: string; callbackUrl: string; locale?: string; signal?: AbortSignal }
export interface MfaVerifyOptions extends OnBehalfOf {
  mfaToken: string;
  method: T.MfaMethod;
  /** TOTP, SMS or email code, or a recovery code. */
  code?: string;
  /** Passkey: the ceremony of mfaChallenge and the credential JSON (credential.toJSON()). */
  ceremonyId?: string;
  assertion?: Record<string, unknown>;
  signal?: AbortSignal;
}

const apiKey: Credential = { kind: 'apiKey' };
const bearer = (token: string): Credential => ({ kind: 'bearer', token });

export class AuthGate {
  readonly http: Transport;
  readonly appId?: string;
  /** Push sign-in (seed 000): start, check (long-poll), watch (SSE), waitForDecision. */
  readonly push: PushClient;
  /** Passkeys: browser ceremonies (signIn, register) and the server-side sign-in calls. */
  readonly passkeys: PasskeyClient;
  /** Webhook endpoints of the project (API key). */
  readonly webhooks: WebhooksApi;
  /** Seed 004: end users' 30-day sessions, API keys and provider connections (`users.as({token}).status()`, ...), plans and access checks. */
  readonly users: UsersClient;
  private readonly signingSecret?: string;

  constructor(o: AuthGateOptions) {
    if (o.apiKey && typeof document !== 'undefined' && !o.dangerouslyAllowBrowser)
      throw new AuthGateError({ status: 0, code: 'api_key_in_browser', message: 'AuthGate: the project API key is a server secret; do not ship it to browsers (pass dangerouslyAllowBrowser to override)' });
    this.http = new Transport(o);
    this.appId = o.appId;
    this.signingSecret = o.signingSecret;
    this.push = new PushClient(this.http, o.appId);
    this.passkeys = new PasskeyClient(this.http, o.appId);
    this.webhooks = new WebhooksApi(this.http);
    this.users = new UsersClient(this.http, o.appId);
  }

  // ---- email + password (seed 001) ------------------------------------------------

  /** Sign up; a verification code is mailed. Answers {token, user} or, when a second factor is due, {mfa_required, mfa_token, methods}. */
  emailSignup(o: EmailSignupOptions): Promise<T.SignInResult> {
    return this.http.call('post', '/api/proxy/email/signup', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp,
      body: { email: o.email, password: o.password, name: o.name, callback_url: o.callbackUrl, locale: o.locale },
    });
  }

  emailSignin(o: EmailSigninOptions): Promise<T.SignInResult> {
    return this.http.call('post', '/api/proxy/email/signin', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp,
      body: { email: o.email, password: o.password, callback_url: o.callbackUrl, locale: o.locale },
    });
  }

  /** Check the mailed 6-digit code; answers a fresh token with email_verified: true. */
  emailVerify(o: EmailVerifyOptions): Promise<T.SignInResult> {
    return this.http.call('post', '/api/proxy/email/verify', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp,
      body: { email: o.email, code: o.code, callback_url: o.callbackUrl, locale: o.locale },
    });
  }

  /** Mail a new verification code (always the same answer, whether the account exists or not). */
  emailResend(o: EmailOnlyOptions): Promise<T.SuccessMessage> {
    return this.http.call('post', '/api/proxy/email/verify/resend', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp, body: { email: o.email, callback_url: o.callbackUrl, locale: o.locale },
    });
  }

  /** Mail a password reset link to callbackUrl?reset_token=... (always the same answer). */
  emailResetPassword(o: EmailOnlyOptions): Promise<T.SuccessMessage> {
    return this.http.call('post', '/api/proxy/email/reset-password', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp, body: { email: o.email, callback_url: o.callbackUrl, locale: o.locale },
    });
  }

  /** Set the new password with the reset_token of the link. */
  emailResetPasswordConfirm(o: ResetConfirmOptions): Promise<T.SuccessMessage> {
    return this.http.call('post', '/api/proxy/email/reset-password/confirm', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp, body: { token: o.token, password: o.password, locale: o.locale },
    });
  }

  /** Mail a magic link; the user lands on callbackUrl?token=<session JWT>. */
  sendMagicLink(o: MagicLinkOptions): Promise<T.SuccessMessage> {
    return this.http.call('post', '/api/proxy/email/magic-link/send', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp, body: { email: o.email, callback_url: o.callbackUrl, locale: o.locale },
    });
  }

  // ---- OAuth / OpenID Connect ------------------------------------------------------

  /**
   * The URL that starts an OAuth sign-in (seed 001's `getOAuthUrl`). With the API key
   * (server): a single-use URL at AuthGate that binds the flow to the browser that opens
   * it. Without (browser): the GET start URL for appId. The user comes back to
   * callbackUrl?token=<JWT> (or ?error=..., or ?mfa_token=...).
   */
  async getOAuthUrl(provider: string, callbackUrl: string, o: { locale?: string; appId?: string; signal?: AbortSignal } & OnBehalfOf = {}): Promise<string> {
    if (!this.http.apiKey)
      return this.http.url('/api/proxy/{provider}', { provider }, { callback_url: callbackUrl, locale: o.locale, app_id: o.appId ?? this.appId });
    const r = await this.http.call('post', '/api/proxy/{provider}', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp, params: { provider }, body: { callback_url: callbackUrl, locale: o.locale },
    });
    return r.url;
  }

  /** A URL that links another provider to the signed-in user (token: their session JWT). */
  async linkOAuth(provider: string, o: { token: string; callbackUrl: string; locale?: string; signal?: AbortSignal } & OnBehalfOf): Promise<string> {
    const r = await this.http.call('post', '/api/proxy/{provider}/link', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp, params: { provider }, body: { token: o.token, callback_url: o.callbackUrl, locale: o.locale },
    });
    return r.url;
  }

  unlinkOAuth(provider: string, o: { token: string; signal?: AbortSignal } & OnBehalfOf): Promise<T.IdentityList> {
    return this.http.call('post', '/api/proxy/{provider}/unlink', { auth: apiKey, signal: o.signal, clientIp: o.clientIp, params: { provider }, body: { token: o.token } });
  }

  listIdentities(token: string, o: { signal?: AbortSignal } & OnBehalfOf = {}): Promise<T.IdentityList> {
    return this.http.call('post', '/api/v1/identities', { auth: apiKey, signal: o.signal, clientIp: o.clientIp, body: { token } });
  }

  // ---- the MFA step -------------------------------------------------------------------

  /** Send the code of an sms/email factor, or get passkey request options ({ceremony_id, options}). */
  mfaChallenge(o: { mfaToken: string; method: T.MfaMethod; signal?: AbortSignal } & OnBehalfOf): Promise<T.MfaChallengeResult> {
    return this.http.call('post', '/api/proxy/mfa/challenge', { auth: apiKey, signal: o.signal, clientIp: o.clientIp, body: { mfa_token: o.mfaToken, method: o.method } });
  }

  /** Complete the MFA step; answers {token, user}. */
  mfaVerify(o: MfaVerifyOptions): Promise<T.SessionResult> {
    return this.http.call('post', '/api/proxy/mfa/verify', {
      auth: apiKey, signal: o.signal, clientIp: o.clientIp,
      body: { mfa_token: o.mfaToken, method: o.method, code: o.code, ceremony_id: o.ceremonyId, assertion: o.assertion },
    });
  }

  // ---- tokens (seed 002) ------------------------------------------------------------

  /**
   * Ask AuthGate whether a session token is valid (it also knows sessions ended by a
   * password reset). Answers {valid: true, user, mfa, expiresAt} or {valid: false, error}.
   */
  async verifyToken(token: string, o: { signal?: AbortSignal } & OnBehalfOf = {}): Promise<T.TokenVerifyResult> {
    if (typeof token !== 'string' || token === '') return { valid: false, error: 'Missing token' };
    const r = await this.http.call('post', '/api/v1/token/verify', { auth: apiKey, signal: o.signal, clientIp: o.clientIp, body: { token }, acceptStatus: [400, 401] as number[] });
    const b = r as T.TokenVerifyResult | { error: string; message: string };
    if ('valid' in b) return b;
    // A 401 without `valid` is about the API key, not the token.
    throw errorFromResponse(401, new Headers(), b);
  }

  /** Verify a session token locally with the project's signing secret (no round trip). */
  verifyTokenLocally(token: string, o: Partial<VerifyLocallyOptions> = {}): Promise<SessionClaims> {
    const secret = o.secret ?? this.signingSecret;
    if (!secret) throw new AuthGateError({ status: 0, code: 'signing_secret_required', message: 'AuthGate: verifyTokenLocally needs the project signing secret' });
    return verifyTokenLocally(token, { appId: this.appId, ...o, secret });
  }

  /** The project of the API key. */
  getProject(o: { signal?: AbortSignal } = {}): Promise<T.Project> {
    return this.http.call('get', '/api/v1/project', { auth: apiKey, signal: o.signal });
  }

  // ---- a signed-in user's factors (their session token) --------------------------------

  /** The factor API for one user: `token` is their session JWT (or an enrollment mfa_token). */
  factors(token: string): FactorsApi {
    return new FactorsApi(this.http, token);
  }

  /** Seed 000's name for push.start(email). */
  startAuth(email: string): Promise<T.PushStarted> {
    return this.push.start(email);
  }
}

export class FactorsApi {
  constructor(private readonly http: Transport, private readonly token: string) {}
  private get auth() { return bearer(this.token); }

  list(o: { pending?: boolean } = {}): Promise<T.FactorList> {
    return this.http.call('get', '/api/mfa/factors', { auth: this.auth, query: { pending: o.pending ? 1 : undefined } });
  }
  enrollTotp(o: { name?: string } = {}): Promise<T.TotpEnrollment> {
    return this.http.call('post', '/api/mfa/enroll/totp', { auth: this.auth, body: { name: o.name } });
  }
  enrollSms(o: { phone: string; name?: string }): Promise<T.Factor> {
    return this.http.call('post', '/api/mfa/enroll/sms', { auth: this.auth, body: { phone: o.phone, name: o.name } });
  }
  enrollEmail(o: { name?: string } = {}): Promise<T.Factor> {
    return this.http.call('post', '/api/mfa/enroll/email', { auth: this.auth, body: { name: o.name } });
  }
  /** Confirm a pending factor with its first code. */
  confirm(id: string, code: string): Promise<T.FactorConfirmed> {
    return this.http.call('post', '/api/mfa/factors/{id}/confirm', { auth: this.auth, params: { id }, body: { code } });
  }
  rename(id: string, name: string): Promise<T.Factor> {
    return this.http.call('patch', '/api/mfa/factors/{id}', { auth: this.auth, params: { id }, body: { name } });
  }
  async remove(id: string): Promise<void> {
    await this.http.call('delete', '/api/mfa/factors/{id}', { auth: this.auth, params: { id } });
  }
  /** Ten new recovery codes (shown once; replaces the old set). */
  recoveryCodes(): Promise<{ codes: string[] }> {
    return this.http.call('post', '/api/mfa/recovery-codes', { auth: this.auth, body: {} });
  }
  securityLog(): Promise<T.SecurityLog> {
    return this.http.call('get', '/api/mfa/security-log', { auth: this.auth });
  }
  /** Passkey registration options for this user (see passkeys.register for the whole ceremony). */
  passkeyOptions(): Promise<T.PasskeyCeremony> {
    return this.http.call('post', '/api/mfa/enroll/passkey/options', { auth: this.auth, body: {} });
  }
  enrollPasskey(o: { ceremonyId: string; credential: Record<string, unknown>; name?: string }): Promise<T.FactorConfirmed> {
    return this.http.call('post', '/api/mfa/enroll/passkey', { auth: this.auth, body: { ceremony_id: o.ceremonyId, credential: o.credential, name: o.name } });
  }
}

export class WebhooksApi {
  constructor(private readonly http: Transport) {}

  /** Register an endpoint; the answer's `secret` (whsec_...) is shown this once. */
  create(o: { url: string; events?: Array<'approved' | 'denied'>; description?: string }): Promise<T.WebhookEndpoint> {
    return this.http.call('post', '/api/webhooks', { auth: apiKey, body: { url: o.url, events: o.events, description: o.description } });
  }
  async list(): Promise<T.WebhookEndpoint[]> {
    return (await this.http.call('get', '/api/webhooks', { auth: apiKey })).webhooks;
  }
  get(id: string): Promise<T.WebhookEndpoint> {
    return this.http.call('get', '/api/webhooks/{id}', { auth: apiKey, params: { id } });
  }
  update(id: string, patch: T.WebhookUpdateRequest): Promise<T.WebhookEndpoint> {
    return this.http.call('patch', '/api/webhooks/{id}', { auth: apiKey, params: { id }, body: patch });
  }
  async delete(id: string): Promise<void> {
    await this.http.call('delete', '/api/webhooks/{id}', { auth: apiKey, params: { id } });
  }
  rotateSecret(id: string): Promise<{ id: string; secret: string }> {
    return this.http.call('post', '/api/webhooks/{id}/rotate-secret', { auth: apiKey, params: { id } });
  }
  /** Send a `test` event now. */
  test(id: string): Promise<{ delivery_id: string }> {
    return this.http.call('post', '/api/webhooks/{id}/test', { auth: apiKey, params: { id } });
  }
  async deliveries(id: string, o: { limit?: number } = {}): Promise<T.WebhookDelivery[]> {
    return (await this.http.call('get', '/api/webhooks/{id}/deliveries', { auth: apiKey, params: { id }, query: { limit: o.limit } })).deliveries;
  }
  delivery(id: string, deliveryId: string): Promise<T.WebhookDelivery> {
    return this.http.call('get', '/api/webhooks/{id}/deliveries/{delivery_id}', { auth: apiKey, params: { id, delivery_id: deliveryId } });
  }
  redeliver(id: string, deliveryId: string): Promise<{ delivery_id: string; status: 'pending' }> {
    return this.http.call('post', '/api/webhooks/{id}/deliveries/{delivery_id}/redeliver', { auth: apiKey, params: { id, delivery_id: deliveryId } });
  }
}
