// Seed 004 (docs/USERS.md): end users' own 30-day sessions and API keys. These routes
// carry no project in their paths: the client addresses one through the per-project
// base URL `/p/{app_id}` when appId is set, else the host name or AUTHGATE_DEFAULT_PROJECT
// decides (as the seed's samples do with only the base URL changed).
import { Transport, type Credential } from './http.js';
import type { components } from './openapi.js';
import type { ResponseBody } from './http.js';

export type UserStatus = components['schemas']['UserStatus'];
export type UserSignIn = ResponseBody<'/users/auth/magic-link/verify', 'post'>;
export type UserApiKeyCreated = ResponseBody<'/users/generate-api-key', 'post'>;
export type UserApiKeys = ResponseBody<'/users/api-keys', 'get'>;
export type UserSessions = ResponseBody<'/users/sessions', 'get'>;

/** A user's credential: their 30-day session token, or one of their API keys (X-API-Key). */
export type UserCredential = { token: string } | { apiKey: string };

export class UsersClient {
  readonly http: Transport;
  constructor(base: Transport, appId?: string, fetchImpl?: typeof fetch) {
    this.http = appId
      ? new Transport({ baseUrl: `${base.baseUrl}/p/${encodeURIComponent(appId)}`, fetch: fetchImpl })
      : new Transport({ baseUrl: base.baseUrl, fetch: fetchImpl });
  }

  /** Mail a 6-digit sign-in code (always the same answer). */
  requestMagicLink(email: string, o: { locale?: string } = {}): Promise<ResponseBody<'/users/auth/magic-link/request', 'post'>> {
    return this.http.call('post', '/users/auth/magic-link/request', { body: { email, locale: o.locale } });
  }
  /** Exchange the code for a 30-day token: {success, token, user}, or the MFA step. */
  verifyMagicLink(email: string, code: string, o: { locale?: string } = {}): Promise<UserSignIn> {
    return this.http.call('post', '/users/auth/magic-link/verify', { body: { email, code, locale: o.locale } });
  }
  /** The API for one signed-in user. */
  as(cred: UserCredential): UserSessionApi {
    return new UserSessionApi(this.http, 'token' in cred ? { kind: 'bearer', token: cred.token } : { kind: 'userKey', key: cred.apiKey });
  }
}

export class UserSessionApi {
  constructor(private readonly http: Transport, private readonly auth: Credential) {}
  /** {isAuthenticated, user: {id, email, auth_type, plan, features}, ...}; never throws on a bad credential. */
  status(): Promise<UserStatus> {
    return this.http.call('get', '/users/auth/status', { auth: this.auth });
  }
  /** A new 30-day token; the old one stops working. */
  refresh(): Promise<ResponseBody<'/users/auth/refresh', 'post'>> {
    return this.http.call('post', '/users/auth/refresh', { auth: this.auth });
  }
  /** End this session (all: every session of the user) on every node. */
  logout(o: { all?: boolean } = {}): Promise<ResponseBody<'/users/logout', 'post'>> {
    return this.http.call('post', '/users/logout', { auth: this.auth, query: { all: o.all ? 'true' : undefined } });
  }
  sessions(): Promise<UserSessions> {
    return this.http.call('get', '/users/sessions', { auth: this.auth });
  }
  async revokeSession(sessionId: string): Promise<void> {
    await this.http.call('delete', '/users/sessions/{session_id}', { auth: this.auth, params: { session_id: sessionId } });
  }
  /** A new API key (agnt_sk_...), shown once. Needs the session token, not an API key. */
  generateApiKey(o: { name?: string } = {}): Promise<UserApiKeyCreated> {
    return this.http.call('post', '/users/generate-api-key', { auth: this.auth, body: { name: o.name } });
  }
  apiKeys(): Promise<UserApiKeys> {
    return this.http.call('get', '/users/api-keys', { auth: this.auth });
  }
  async revokeApiKey(keyId: string): Promise<void> {
    await this.http.call('delete', '/users/api-keys/{key_id}', { auth: this.auth, params: { key_id: keyId } });
  }
}
