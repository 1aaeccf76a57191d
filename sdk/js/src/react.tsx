'use client';
// React hooks and components. They talk to the app's own route handlers
// (createAuthHandlers from '@authgate/sdk/next', mounted at basePath) so the API key
// stays on the server and the session lives in an HttpOnly cookie; push sign-in and its
// event stream go straight to AuthGate (authgateUrl + appId, from an allowed origin).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { AuthGateError, errorFromResponse, NetworkError } from './errors.js';
import { Transport } from './http.js';
import { PushClient, type FinalPushStatus } from './push.js';
import { isMfaRequired, type MfaRequired, type SessionUser } from './types.js';
import { createCredential, getCredential, passkeysSupported } from './webauthn.js';

export interface AuthGateConfig {
  /** Where createAuthHandlers is mounted. Default "/api/auth". */
  basePath?: string;
  /** AuthGate's URL, for push sign-in (browser to AuthGate directly). */
  authgateUrl?: string;
  appId?: string;
  /** Sent as `locale` with every email call (seed 001). */
  locale?: string;
}

interface SessionState {
  status: 'loading' | 'signed-in' | 'signed-out';
  user: SessionUser | null;
  /** True while the session still holds a fresh AuthGate token (needed to add a passkey). */
  canManageFactors: boolean;
}

interface Ctx extends Omit<AuthGateConfig, 'basePath'> {
  basePath: string;
  session: SessionState;
  refresh: () => Promise<void>;
}

const AuthGateContext = createContext<Ctx | null>(null);

async function post<T>(basePath: string, route: string, body: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${basePath}/${route}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  } catch (e) {
    throw new NetworkError({ status: 0, code: 'network_error', message: 'the request could not be sent', cause: e });
  }
  const data = await res.json().catch(() => undefined);
  if (!res.ok) throw errorFromResponse(res.status, res.headers, data);
  return data as T;
}

export function AuthGateProvider({ children, ...config }: AuthGateConfig & { children?: ReactNode }) {
  const basePath = (config.basePath ?? '/api/auth').replace(/\/+$/, '');
  const [session, setSession] = useState<SessionState>({ status: 'loading', user: null, canManageFactors: false });
  const refresh = useCallback(async () => {
    try {
      const r = await fetch(`${basePath}/session`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      const b = (await r.json()) as { user: SessionUser | null; canManageFactors?: boolean };
      setSession({ status: b.user ? 'signed-in' : 'signed-out', user: b.user, canManageFactors: !!b.canManageFactors });
    } catch {
      setSession({ status: 'signed-out', user: null, canManageFactors: false });
    }
  }, [basePath]);
  useEffect(() => void refresh(), [refresh]);
  const value = useMemo(() => ({ ...config, basePath, session, refresh }), [config.authgateUrl, config.appId, config.locale, basePath, session, refresh]); // eslint-disable-line react-hooks/exhaustive-deps
  return <AuthGateContext.Provider value={value}>{children}</AuthGateContext.Provider>;
}

function useCtx(): Ctx {
  const c = useContext(AuthGateContext);
  if (!c) throw new Error('AuthGate: wrap your components in <AuthGateProvider>');
  return c;
}

/** The signed-in user (from the app's session cookie), with refresh and signOut. */
export function useSession() {
  const c = useCtx();
  const signOut = useCallback(async () => {
    await post(c.basePath, 'signout', {});
    await c.refresh();
  }, [c]);
  return { ...c.session, refresh: c.refresh, signOut };
}

const message = (e: unknown) => (e instanceof AuthGateError ? e.message : 'Something went wrong. Try again.');

/** Run async actions with pending/error state; errors are AuthGateErrors with code, status and retryAfter. */
function useAction() {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<AuthGateError | null>(null);
  const run = useCallback(async <T,>(fn: () => Promise<T>): Promise<T | undefined> => {
    setPending(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e instanceof AuthGateError ? e : new AuthGateError({ status: 0, code: 'error', message: message(e), cause: e }));
      return undefined;
    } finally {
      setPending(false);
    }
  }, []);
  return { pending, error, setError, run };
}

type SignedIn = { user: SessionUser };
type SignInAnswer = SignedIn | MfaRequired;

/** The email endpoints through the app's route handlers; sign-ins refresh the session. */
export function useEmailAuth() {
  const c = useCtx();
  const { pending, error, setError, run } = useAction();
  const call = useCallback(
    async <T,>(route: string, body: Record<string, unknown>): Promise<T | undefined> =>
      run(async () => {
        const r = await post<T>(c.basePath, route, { ...body, locale: body.locale ?? c.locale });
        if (r && typeof r === 'object' && 'user' in r && !isMfaRequired(r)) await c.refresh();
        return r;
      }),
    [c, run],
  );
  return {
    pending, error, clearError: () => setError(null),
    signUp: (o: { email: string; password: string; name?: string; locale?: string }) => call<SignInAnswer>('email/signup', o),
    signIn: (o: { email: string; password: string; locale?: string }) => call<SignInAnswer>('email/signin', o),
    verify: (o: { email: string; code: string; locale?: string }) => call<SignInAnswer>('email/verify', o),
    resend: (o: { email: string; locale?: string }) => call<{ success: boolean; message: string }>('email/verify/resend', o),
    requestPasswordReset: (o: { email: string; locale?: string }) => call<{ success: boolean; message: string }>('email/reset-password', o),
    confirmPasswordReset: (o: { token: string; password: string; locale?: string }) => call<{ success: boolean; message: string }>('email/reset-password/confirm', o),
    sendMagicLink: (o: { email: string; locale?: string }) => call<{ success: boolean; message: string }>('email/magic-link/send', o),
    mfaChallenge: (o: { mfa_token: string; method: string }) => call<Record<string, unknown>>('mfa/challenge', o),
    mfaVerify: (o: { mfa_token: string; method: string; code?: string; ceremony_id?: string; assertion?: unknown }) => call<SignedIn>('mfa/verify', o),
  };
}

/** Passkeys through the app's route handlers: usernameless sign-in and registration for the signed-in user. */
export function usePasskey() {
  const c = useCtx();
  const { pending, error, run } = useAction();
  const signIn = useCallback(
    (o: { mediation?: CredentialMediationRequirement; signal?: AbortSignal } = {}) =>
      run(async () => {
        const opts = await post<{ ceremony_id: string; options: Record<string, unknown> }>(c.basePath, 'passkey/options', {});
        const credential = await getCredential(opts.options, o);
        const r = await post<SignedIn>(c.basePath, 'passkey/verify', { ceremony_id: opts.ceremony_id, credential });
        await c.refresh();
        return r;
      }),
    [c, run],
  );
  const register = useCallback(
    (o: { name?: string } = {}) =>
      run(async () => {
        const opts = await post<{ ceremony_id: string; options: Record<string, unknown> }>(c.basePath, 'passkey/register/options', {});
        const credential = await createCredential(opts.options);
        return post<{ factor: { id: string; name: string | null } }>(c.basePath, 'passkey/register', { ceremony_id: opts.ceremony_id, credential, name: o.name });
      }),
    [c, run],
  );
  return { supported: passkeysSupported(), pending, error, signIn, register };
}

export type PushLoginState =
  | { status: 'idle' | 'starting' }
  | { status: 'waiting'; code: string; expiresIn: number }
  | { status: 'approved'; user: SessionUser }
  | { status: 'mfa'; mfa: MfaRequired }
  | { status: 'denied'; reason?: string }
  | { status: 'expired' }
  | { status: 'error'; error: AuthGateError };

/** Push sign-in: start for an email, show the code, settle on the decision, then make the app session. */
export function usePushLogin() {
  const c = useCtx();
  const [state, setState] = useState<PushLoginState>({ status: 'idle' });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);
  const start = useCallback(
    async (email: string) => {
      if (!c.authgateUrl || !c.appId) throw new Error('AuthGate: <AuthGateProvider> needs authgateUrl and appId for push sign-in');
      abort.current?.abort();
      const ctl = new AbortController();
      abort.current = ctl;
      const push = new PushClient(new Transport({ baseUrl: c.authgateUrl }), c.appId);
      setState({ status: 'starting' });
      try {
        const started = await push.start(email, { signal: ctl.signal });
        setState({ status: 'waiting', code: started.code, expiresIn: started.expires_in });
        const s: FinalPushStatus = await push.waitForDecision(started.session_id, { signal: ctl.signal });
        if (s.status === 'approved' && s.mfa_required && s.mfa_token) {
          setState({ status: 'mfa', mfa: { mfa_required: true, mfa_token: s.mfa_token, methods: (s.methods ?? []) as MfaRequired['methods'], expires_in: 300, user: { id: '', email, name: null, email_verified: true } } });
        } else if (s.status === 'approved' && s.token) {
          const r = await post<SignedIn>(c.basePath, 'session', { token: s.token });
          await c.refresh();
          setState({ status: 'approved', user: r.user });
        } else if (s.status === 'approved') {
          setState({ status: 'error', error: new AuthGateError({ status: 0, code: 'token_claimed', message: 'The sign-in was approved elsewhere. Start again.' }) });
        } else if (s.status === 'denied') setState({ status: 'denied', reason: s.reason });
        else setState({ status: 'expired' });
      } catch (e) {
        if (ctl.signal.aborted) return;
        setState({ status: 'error', error: e instanceof AuthGateError ? e : new AuthGateError({ status: 0, code: 'error', message: message(e), cause: e }) });
      }
    },
    [c],
  );
  const cancel = useCallback(() => {
    abort.current?.abort();
    setState({ status: 'idle' });
  }, []);
  return { state, start, cancel };
}

// ---- components ---------------------------------------------------------------------

const ErrorLine = ({ error }: { error: AuthGateError | null }) =>
  error ? <p role="alert" className="authgate-error" data-code={error.code}>{error.message}{error.retryAfter ? ` (try again in ${error.retryAfter} s)` : ''}</p> : null;

/** The second-factor step: a code (TOTP, SMS, email, recovery) or a passkey. */
export function MfaStep({ mfa, onSignedIn }: { mfa: MfaRequired; onSignedIn?: (user: SessionUser) => void }) {
  const auth = useEmailAuth();
  const methods = mfa.methods.length ? mfa.methods : (['totp'] as MfaRequired['methods']);
  const [method, setMethod] = useState<string>(methods[0]);
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const done = (r: SignedIn | undefined) => r && onSignedIn?.(r.user);
  const usePasskeyStep = async () => {
    const ch = await auth.mfaChallenge({ mfa_token: mfa.mfa_token, method: 'passkey' });
    if (!ch) return;
    try {
      const assertion = await getCredential((ch as { options: Record<string, unknown> }).options);
      done(await auth.mfaVerify({ mfa_token: mfa.mfa_token, method: 'passkey', ceremony_id: (ch as { ceremony_id: string }).ceremony_id, assertion }));
    } catch (e) {
      auth.clearError();
      throw e;
    }
  };
  return (
    <form className="authgate-mfa" onSubmit={async (e) => { e.preventDefault(); done(await auth.mfaVerify({ mfa_token: mfa.mfa_token, method, code })); }}>
      <p>Confirm it is you{mfa.user?.email ? ` (${mfa.user.email})` : ''}.</p>
      {methods.length > 1 && (
        <label>Method{' '}
          <select name="method" value={method} onChange={(e) => { setMethod(e.target.value); setSent(false); }}>
            {methods.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
      )}
      {method === 'passkey' ? (
        <button type="button" disabled={auth.pending} onClick={() => void usePasskeyStep()}>Use your passkey</button>
      ) : (
        <>
          {(method === 'sms' || method === 'email') && (
            <button type="button" disabled={auth.pending} onClick={async () => setSent(!!(await auth.mfaChallenge({ mfa_token: mfa.mfa_token, method })))}>{sent ? 'Send again' : 'Send code'}</button>
          )}
          <label>{method === 'recovery' ? 'Recovery code' : 'Code'}{' '}
            <input name="mfa_code" autoComplete="one-time-code" inputMode={method === 'recovery' ? 'text' : 'numeric'} value={code} onChange={(e) => setCode(e.target.value)} required />
          </label>
          <button type="submit" disabled={auth.pending}>Verify</button>
        </>
      )}
      <ErrorLine error={auth.error} />
    </form>
  );
}

/** Email + password sign-in and sign-up, the mailed verification code, and the MFA step. */
export function EmailForm({ mode: initial = 'signin', onSignedIn, allowModeSwitch = true }: { mode?: 'signin' | 'signup'; onSignedIn?: (user: SessionUser) => void; allowModeSwitch?: boolean }) {
  const auth = useEmailAuth();
  const [mode, setMode] = useState(initial);
  const [step, setStep] = useState<{ kind: 'form' } | { kind: 'verify' } | { kind: 'mfa'; mfa: MfaRequired } | { kind: 'done'; user: SessionUser }>({ kind: 'form' });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const finish = (r: SignInAnswer | undefined, next: 'verify' | 'done') => {
    if (!r) return;
    if (isMfaRequired(r)) return setStep({ kind: 'mfa', mfa: r });
    if (next === 'verify') return setStep({ kind: 'verify' });
    setStep({ kind: 'done', user: r.user });
    onSignedIn?.(r.user);
  };
  if (step.kind === 'mfa') return <MfaStep mfa={step.mfa} onSignedIn={(u) => { setStep({ kind: 'done', user: u }); onSignedIn?.(u); }} />;
  if (step.kind === 'done') return <p className="authgate-done" role="status">Signed in as {step.user.email}</p>;
  if (step.kind === 'verify')
    return (
      <form className="authgate-verify" onSubmit={async (e) => { e.preventDefault(); finish(await auth.verify({ email, code }), 'done'); }}>
        <p>We sent a 6-digit code to {email}.</p>
        <label>Code <input name="code" autoComplete="one-time-code" inputMode="numeric" pattern="[0-9]{6}" value={code} onChange={(e) => setCode(e.target.value)} required /></label>
        <button type="submit" disabled={auth.pending}>Verify email</button>
        <button type="button" disabled={auth.pending} onClick={() => void auth.resend({ email })}>Send a new code</button>
        <ErrorLine error={auth.error} />
      </form>
    );
  return (
    <form className="authgate-email" data-mode={mode} onSubmit={async (e) => {
      e.preventDefault();
      if (mode === 'signup') finish(await auth.signUp({ email, password, name: name || undefined }), 'verify');
      else finish(await auth.signIn({ email, password }), 'done');
    }}>
      {mode === 'signup' && <label>Name <input name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} /></label>}
      <label>Email <input name="email" type="email" autoComplete="username webauthn" value={email} onChange={(e) => setEmail(e.target.value)} required /></label>
      <label>Password <input name="password" type="password" autoComplete={mode === 'signup' ? 'new-password' : 'current-password'} minLength={mode === 'signup' ? 8 : undefined} value={password} onChange={(e) => setPassword(e.target.value)} required /></label>
      <button type="submit" disabled={auth.pending}>{mode === 'signup' ? 'Create account' : 'Sign in'}</button>
      {allowModeSwitch && (
        <button type="button" className="authgate-switch" onClick={() => { setMode(mode === 'signup' ? 'signin' : 'signup'); auth.clearError(); }}>
          {mode === 'signup' ? 'I have an account' : 'Create an account'}
        </button>
      )}
      <ErrorLine error={auth.error} />
    </form>
  );
}

/** A passkey button: usernameless sign-in, or (mode "register") add a passkey to the signed-in user. */
export function PasskeyButton({ mode = 'signin', name, label, onSignedIn, onRegistered }: { mode?: 'signin' | 'register'; name?: string; label?: string; onSignedIn?: (user: SessionUser) => void; onRegistered?: (factor: { id: string; name: string | null }) => void }) {
  const pk = usePasskey();
  const [done, setDone] = useState<string | null>(null);
  if (!pk.supported) return null;
  return (
    <div className="authgate-passkey">
      <button type="button" disabled={pk.pending} onClick={async () => {
        if (mode === 'register') {
          const r = await pk.register({ name });
          if (r) { setDone('Passkey added'); onRegistered?.(r.factor); }
        } else {
          const r = await pk.signIn();
          if (r) { setDone(`Signed in as ${r.user.email ?? r.user.id}`); onSignedIn?.(r.user); }
        }
      }}>{label ?? (mode === 'register' ? 'Add a passkey' : 'Sign in with a passkey')}</button>
      {done && <p role="status">{done}</p>}
      <ErrorLine error={pk.error} />
    </div>
  );
}

/** Push sign-in as a component (the widget, in React): email, the code to type on the phone, the outcome. */
export function PushLogin({ onSignedIn, defaultEmail = '' }: { onSignedIn?: (user: SessionUser) => void; defaultEmail?: string }) {
  const { state, start, cancel } = usePushLogin();
  const [email, setEmail] = useState(defaultEmail);
  const reported = useRef(false);
  useEffect(() => {
    if (state.status === 'approved' && !reported.current) { reported.current = true; onSignedIn?.(state.user); }
  }, [state, onSignedIn]);
  if (state.status === 'mfa') return <MfaStep mfa={state.mfa} onSignedIn={onSignedIn} />;
  return (
    <form className="authgate-push" data-status={state.status} onSubmit={(e) => { e.preventDefault(); reported.current = false; void start(email); }}>
      {(state.status === 'idle' || state.status === 'starting' || state.status === 'error' || state.status === 'denied' || state.status === 'expired') && (
        <>
          <label>Email <input name="push_email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required /></label>
          <button type="submit" disabled={state.status === 'starting'}>Sign in with your phone</button>
        </>
      )}
      {state.status === 'waiting' && (
        <div>
          <p>Approve on your phone and type this code there:</p>
          <output className="authgate-code" aria-live="polite" style={{ fontFamily: 'monospace', fontSize: 28, letterSpacing: 6 }}>{state.code}</output>
          <button type="button" onClick={cancel}>Cancel</button>
        </div>
      )}
      {state.status === 'approved' && <p role="status" className="authgate-approved">Approved: signed in as {state.user.email}</p>}
      {state.status === 'denied' && <p role="alert" className="authgate-denied">The sign-in was denied{state.reason === 'not_me' ? ' ("this wasn\'t me")' : ''}.</p>}
      {state.status === 'expired' && <p role="alert">The sign-in expired. Start again.</p>}
      {state.status === 'error' && <ErrorLine error={state.error} />}
    </form>
  );
}
