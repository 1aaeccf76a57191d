// Seed 004 (docs/USERS.md): end users' own 30-day sessions and API keys, their
// connections to tool providers (OAuth tokens AuthGate keeps and refreshes, and API keys
// for providers such as OpenAI), the provider registry, and plans checked for the app's
// backend. These routes carry no project in their paths: the client addresses one
// through the per-project base URL `/p/{app_id}` when appId is set, else the host name
// or AUTHGATE_DEFAULT_PROJECT decides (as the seed's samples do with only the base URL
// changed).
import { Transport, type Credential } from './http.js';
import type { components } from './openapi.js';
import type { RequestBody, ResponseBody } from './http.js';
import type { MfaMethod } from './types.js';

type Schemas = components['schemas'];
export type UserStatus = Schemas['UserStatus'];
export type UserSignIn = Schemas['UserSignin'];
export type UserApiKeyCreated = Schemas['UserApiKeyCreated'];
export type UserApiKeys = Schemas['UserApiKeyList'];
export type UserSessions = Schemas['UserSessionList'];
export type UserRefreshed = Schemas['UserRefreshed'];
export type Provider = Schemas['Provider'];
export type Connection = Schemas['Connection'];
export type ConnectionList = Schemas['ConnectionList'];
export type Connected = Schemas['Connected'];
export type Disconnected = Schemas['Disconnected'];
export type ValidToken = Schemas['ValidToken'];
export type GoogleSearchKeys = Schemas['GoogleSearchKeys'];
export type AccessDecision = Schemas['AccessDecision'];
export type PlanUser = Schemas['PlanUser'];
export type AccessCheckRequest = NonNullable<RequestBody<'/api/v1/access/check', 'post'>>;

/** A user's credential: their 30-day session token, or one of their API keys (X-API-Key). */
export type UserCredential = { token: string } | { apiKey: string };

const projectKey: Credential = { kind: 'apiKey' };

export class UsersClient {
  /** The seed 004 routes, at the per-project base URL when appId is set. */
  readonly http: Transport;
  /** The registry's admin operations on the project API key (server side). */
  readonly providers: ProvidersAdminApi;
  constructor(private readonly root: Transport, appId?: string) {
    this.http = appId ? root.under(`/p/${encodeURIComponent(appId)}`) : root;
    this.providers = new ProvidersAdminApi(this.http);
  }

  /** Mail a 6-digit sign-in code (always the same answer). */
  requestMagicLink(email: string, o: { locale?: string } = {}): Promise<ResponseBody<'/users/auth/magic-link/request', 'post'>> {
    return this.http.call('post', '/users/auth/magic-link/request', { body: { email, locale: o.locale } });
  }
  /** Exchange the code for a 30-day token: {success, token, user}, or the MFA step. */
  verifyMagicLink(email: string, code: string, o: { locale?: string } = {}): Promise<UserSignIn> {
    return this.http.call('post', '/users/auth/magic-link/verify', { body: { email, code, locale: o.locale } });
  }
  /** The MFA step of these sign-ins: send an SMS/email code, or get passkey request options. */
  mfaChallenge(o: { mfaToken: string; method: MfaMethod }): Promise<ResponseBody<'/users/auth/mfa/challenge', 'post'>> {
    return this.http.call('post', '/users/auth/mfa/challenge', { body: { mfa_token: o.mfaToken, method: o.method } });
  }
  /** Finish the MFA step: {token, user} with the 30-day token. */
  mfaVerify(o: { mfaToken: string; method: MfaMethod; code?: string; ceremonyId?: string; assertion?: Record<string, unknown> }): Promise<ResponseBody<'/users/auth/mfa/verify', 'post'>> {
    return this.http.call('post', '/users/auth/mfa/verify', {
      body: { mfa_token: o.mfaToken, method: o.method, code: o.code, ceremony_id: o.ceremonyId, assertion: o.assertion },
    });
  }
  /**
   * Where a browser starts an OAuth sign-in (GET /users/auth/{provider}). With
   * callbackUrl (a registered one) it comes back to callbackUrl?token=...; without, the
   * provider's callback answers the seed's JSON {success, token, user}.
   */
  signInUrl(provider: string, o: { callbackUrl?: string; locale?: string } = {}): string {
    return this.http.url('/users/auth/{provider}', { provider }, { callback_url: o.callbackUrl, locale: o.locale });
  }
  /** The API for one signed-in user. */
  as(cred: UserCredential): UserSessionApi {
    return new UserSessionApi(this.http, 'token' in cred ? { kind: 'bearer', token: cred.token } : { kind: 'userKey', key: cred.apiKey });
  }

  // ---- the app's backend (project API key) ----------------------------------------------

  /** A fresh access token of a user's provider connection, for the app's backend. */
  validTokenFor(userId: string, providerId: string): Promise<ValidToken> {
    return this.http.call('get', '/auth/valid-token', { auth: projectKey, query: { providerId, userId } });
  }
  /**
   * Forward-auth's decision as JSON: may this user token (or user API key) reach `path`
   * (the project's rules), or does it hold `plan`/`feature`? 401 and 403 verdicts are
   * answers ({allowed: false, status, error, ...}), not errors.
   */
  checkAccess(o: { token?: string; apiKey?: string; path?: string; method?: string; plan?: string; feature?: string }): Promise<AccessDecision> {
    const body: AccessCheckRequest = { token: o.token, api_key: o.apiKey, path: o.path, method: o.method, plan: o.plan, feature: o.feature };
    return this.root.call('post', '/api/v1/access/check', { auth: projectKey, body });
  }
  /** Set a user's plan (your billing) and, optionally, their own features (replacing them). */
  setPlan(userId: string, o: { plan?: string; features?: string[] }): Promise<PlanUser> {
    return this.root.call('put', '/api/v1/users/{user_id}/plan', { auth: projectKey, params: { user_id: userId }, body: { plan: o.plan, features: o.features } });
  }
}

/** Custom providers of the registry: create, change, delete (the project API key; users may only read). */
export class ProvidersAdminApi {
  constructor(private readonly http: Transport) {}
  create(p: Provider & { id: string; name: string }): Promise<Provider> {
    return this.http.call('post', '/auth/providers', { auth: projectKey, body: p });
  }
  update(id: string, p: Provider): Promise<Provider> {
    return this.http.call('put', '/auth/providers/{id}', { auth: projectKey, params: { id }, body: p });
  }
  async delete(id: string): Promise<void> {
    await this.http.call('delete', '/auth/providers/{id}', { auth: projectKey, params: { id } });
  }
}

export class UserSessionApi {
  constructor(private readonly http: Transport, private readonly auth: Credential) {}
  /** {isAuthenticated, user: {id, email, auth_type, plan, features}, ...}; never throws on a bad credential. */
  status(): Promise<UserStatus> {
    return this.http.call('get', '/users/auth/status', { auth: this.auth });
  }
  /** A new 30-day token; the old one stops working. */
  refresh(): Promise<UserRefreshed> {
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

  // ---- the provider registry and connections ------------------------------------------------

  /** The registry: the project's built-in OAuth providers and its custom ones (the seed's bare list). */
  providers(): Promise<Provider[]> {
    return this.http.call('get', '/auth/providers', { auth: this.auth });
  }
  provider(id: string): Promise<Provider> {
    return this.http.call('get', '/auth/providers/{id}', { auth: this.auth, params: { id } });
  }
  /**
   * Start connecting a provider: {authUrl}, where the user's browser goes. Without
   * redirectUri the provider returns to AuthGate's page; with one (a registered callback
   * URL of the app) it returns there with code and state for completeConnection.
   */
  connect(provider: string, o: { redirectUri?: string; scope?: string } = {}): Promise<Schemas['ConnectStarted']> {
    return this.http.call('get', '/auth/connect/{provider}', { auth: this.auth, params: { provider }, query: { redirect_uri: o.redirectUri, scope: o.scope } });
  }
  /** Finish a connection on the app's page: the code and state the provider sent there. */
  completeConnection(o: { code?: string; state: string; iss?: string; error?: string; errorDescription?: string }): Promise<Connected> {
    return this.http.call('post', '/auth/callback', {
      auth: this.auth, body: { code: o.code, state: o.state, iss: o.iss, error: o.error, error_description: o.errorDescription },
    });
  }
  /** Forget a connection, revoking its token at the provider when it has an endpoint for that. */
  disconnect(provider: string): Promise<Disconnected> {
    return this.http.call('post', '/auth/disconnect/{provider}', { auth: this.auth, params: { provider } });
  }
  /** {success, connectedApps: [{provider, email, connectedAt, status, scope, expiresAt}]}. */
  connected(): Promise<ConnectionList> {
    return this.http.call('get', '/auth/connected', { auth: this.auth });
  }
  /** An access token of the connection with more than 60 s left (refreshed first when needed). */
  validToken(providerId: string): Promise<ValidToken> {
    return this.http.call('get', '/auth/valid-token', { auth: this.auth, query: { providerId } });
  }
  /** Store the user's own key for a provider of the registry (sealed at rest). */
  async setProviderKey(provider: string, apiKey: string): Promise<void> {
    await this.http.call('post', '/auth/apikeys/{provider}', { auth: this.auth, params: { provider }, body: { apiKey } });
  }
  /** Read it back: the session token only (not an API key), rate limited and security-logged. */
  async providerKey(provider: string): Promise<string> {
    return (await this.http.call('get', '/auth/apikeys/{provider}', { auth: this.auth, params: { provider } })).apiKey;
  }
  async deleteProviderKey(provider: string): Promise<void> {
    await this.http.call('delete', '/auth/apikeys/{provider}', { auth: this.auth, params: { provider } });
  }
  /** The project's Google Programmable Search settings (404 when unset). */
  googleSearchKeys(): Promise<GoogleSearchKeys> {
    return this.http.call('get', '/auth/google-search-keys', { auth: this.auth });
  }
}
