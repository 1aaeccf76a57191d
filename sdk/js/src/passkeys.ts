// Passkeys (docs/PASSKEYS.md). In the browser: usernameless sign-in from the app's page
// (appId, CORS; `mediation: 'conditional'` for autofill) and registration for a signed-in
// user (their session token). On the server (API key): the sign-in options and check, for
// apps that relay the ceremony through their own backend.
import { AuthGateError } from './errors.js';
import type { Transport } from './http.js';
import type { FactorConfirmed, PasskeyCeremony, SessionResult } from './types.js';
import { createCredential, getCredential } from './webauthn.js';

export class PasskeyClient {
  constructor(private readonly http: Transport, private readonly appId?: string) {}

  private app(): string {
    if (!this.appId) throw new AuthGateError({ status: 0, code: 'app_id_required', message: 'AuthGate: browser passkey sign-in needs the appId option' });
    return this.appId;
  }

  /** Browser: sign in with a passkey (no email, no password); answers {token, user}. */
  async signIn(o: { mediation?: CredentialMediationRequirement; signal?: AbortSignal } = {}): Promise<SessionResult> {
    const q = { app_id: this.app() };
    const c = await this.http.call('post', '/api/passkey/options', { query: q, body: {}, signal: o.signal });
    const credential = await getCredential(c.options, o);
    return this.http.call('post', '/api/passkey/verify', { query: q, body: { ceremony_id: c.ceremony_id, credential }, signal: o.signal });
  }

  /** Browser: register a passkey for the signed-in user (token: their session JWT, or an enrollment mfa_token). */
  async register(o: { token: string; name?: string; signal?: AbortSignal }): Promise<FactorConfirmed> {
    const auth = { kind: 'bearer' as const, token: o.token };
    const c = await this.http.call('post', '/api/mfa/enroll/passkey/options', { auth, body: {}, signal: o.signal });
    const credential = await createCredential(c.options, o.signal);
    return this.http.call('post', '/api/mfa/enroll/passkey', { auth, body: { ceremony_id: c.ceremony_id, credential, name: o.name }, signal: o.signal });
  }

  /** Server (API key): sign-in options to hand to the browser (clientIp: the visitor's address, as OnBehalfOf says). */
  signInOptions(o: { signal?: AbortSignal; clientIp?: string } = {}): Promise<PasskeyCeremony> {
    return this.http.call('post', '/api/proxy/passkey/options', { auth: { kind: 'apiKey' }, body: {}, signal: o.signal, clientIp: o.clientIp });
  }

  /** Server (API key): check the browser's credential JSON; answers {token, user}. */
  signInVerify(o: { ceremonyId: string; credential: Record<string, unknown>; signal?: AbortSignal; clientIp?: string }): Promise<SessionResult> {
    return this.http.call('post', '/api/proxy/passkey/verify', { auth: { kind: 'apiKey' }, body: { ceremony_id: o.ceremonyId, credential: o.credential }, signal: o.signal, clientIp: o.clientIp });
  }

  /** Browser: run navigator.credentials.get on options from AuthGate (the MFA step's passkey challenge); answers the credential JSON. */
  assert(options: Record<string, unknown>, o: { signal?: AbortSignal } = {}): Promise<Record<string, unknown>> {
    return getCredential(options, o);
  }
}
