// Push sign-in (seed 000, docs/PUSH.md): start a sign-in for an email, show its code,
// and learn the decision at once — Server-Sent Events on /auth/check/{id}, or long-poll
// (?wait=25) where a proxy breaks event streams. Runs in browsers (from one of the
// project's allowed origins) and on servers; needs the project's appId, no API key.
// The token is handed out once: the first answer after the approval carries it.
import { AuthGateError, NetworkError, errorFromResponse } from './errors.js';
import type { Transport } from './http.js';
import { readSse } from './sse.js';
import type { PushStarted, PushStatus, PushVerifyResult } from './types.js';

export type FinalPushStatus = PushStatus & { status: 'approved' | 'denied' | 'expired' };

export interface WaitOptions {
  signal?: AbortSignal;
  /** 'sse' (event stream), 'long-poll' (?wait=25 in a loop), or 'auto': SSE, then long-poll if the stream breaks. */
  transport?: 'auto' | 'sse' | 'long-poll';
  /** Called with every status seen (pending included). */
  onStatus?: (s: PushStatus) => void;
}

const isFinal = (s: PushStatus): s is FinalPushStatus => s.status !== 'pending';

export class PushClient {
  constructor(private readonly http: Transport, private readonly appId?: string) {}

  private app(): string {
    if (!this.appId) throw new AuthGateError({ status: 0, code: 'app_id_required', message: 'AuthGate: push sign-in needs the appId option' });
    return this.appId;
  }

  /** Start a sign-in: show `code` on the login screen; the person's phone asks them to type it. */
  async start(email: string, o: { signal?: AbortSignal } = {}): Promise<PushStarted> {
    return this.http.call('post', '/auth/start', { signal: o.signal, body: { app_id: this.app(), email } });
  }

  /** The current status; with `wait` (0-30 s) AuthGate answers at the decision or after that long. */
  check(sessionId: string, o: { wait?: number; signal?: AbortSignal } = {}): Promise<PushStatus> {
    const wait = o.wait === undefined ? undefined : Math.max(0, Math.min(30, Math.floor(o.wait)));
    return this.http.call('get', '/auth/check/{session_id}', {
      params: { session_id: sessionId }, query: { wait }, signal: o.signal, timeoutMs: ((wait ?? 0) + 15) * 1000,
    });
  }

  /** Every status as AuthGate sends it on the event stream; ends after the final one. */
  async *watch(sessionId: string, o: { signal?: AbortSignal } = {}): AsyncGenerator<PushStatus> {
    const url = this.http.url('/auth/check/{session_id}', { session_id: sessionId });
    // No timeout: AuthGate ends the stream at the decision or the expiry (keep-alive comments every 15 s).
    const res = await this.http.send('GET', url, { headers: this.http.headersFor({ kind: 'none' }, { Accept: 'text/event-stream' }), signal: o.signal, timeoutMs: 0 });
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let body: unknown;
      try { body = JSON.parse(text); } catch { body = undefined; }
      throw errorFromResponse(res.status, res.headers, body);
    }
    if (!/^text\/event-stream/i.test(res.headers.get('content-type') ?? '') || !res.body)
      throw new NetworkError({ status: res.status, code: 'sse_unavailable', message: 'AuthGate: the answer was not an event stream (a proxy in between?)' });
    try {
      for await (const m of readSse(res.body, o.signal)) {
        if (m.event !== 'status') continue;
        const s = JSON.parse(m.data) as PushStatus;
        yield s;
        if (isFinal(s)) return;
      }
    } catch (e) {
      if (e instanceof AuthGateError) throw e;
      throw new NetworkError({ status: 0, code: o.signal?.aborted ? 'aborted' : 'network_error', message: `AuthGate: the event stream broke: ${(e as Error)?.message ?? e}`, cause: e });
    }
    throw new NetworkError({ status: 0, code: o.signal?.aborted ? 'aborted' : 'stream_ended', message: 'AuthGate: the event stream ended before a decision' });
  }

  /**
   * A promise that settles on the decision: resolves with the final status —
   * {status: 'approved', token} (or {status: 'approved', mfa_required, mfa_token, methods}
   * when a second factor is due), {status: 'denied', reason} or {status: 'expired'} —
   * and rejects only on errors (network, abort, unknown session).
   */
  async waitForDecision(sessionId: string, o: WaitOptions = {}): Promise<FinalPushStatus> {
    const transport = o.transport ?? 'auto';
    if (transport !== 'long-poll') {
      try {
        for await (const s of this.watch(sessionId, { signal: o.signal })) {
          o.onStatus?.(s);
          if (isFinal(s)) return s;
        }
      } catch (e) {
        // Fall back only when the stream itself failed; refusals and aborts are answers.
        if (transport === 'sse' || !(e instanceof NetworkError) || o.signal?.aborted) throw e;
      }
    }
    for (;;) {
      const s = await this.check(sessionId, { wait: 25, signal: o.signal });
      o.onStatus?.(s);
      if (isFinal(s)) return s;
    }
  }

  /** Start a sign-in, hand the code to onCode (show it), and wait for the decision. */
  async signIn(email: string, o: WaitOptions & { onCode: (code: string, started: PushStarted) => void }): Promise<FinalPushStatus> {
    const started = await this.start(email, { signal: o.signal });
    o.onCode(started.code, started);
    return this.waitForDecision(started.session_id, o);
  }

  /** Seed 000's GET /auth/verify?token=...: the token's user, no API key (prefer AuthGate.verifyToken on servers). */
  verify(token: string, o: { signal?: AbortSignal } = {}): Promise<PushVerifyResult> {
    return this.http.call('get', '/auth/verify', { query: { token }, signal: o.signal });
  }
}
