// The browser side of passkey ceremonies: AuthGate sends WebAuthn options as JSON
// (PublicKeyCredentialCreationOptionsJSON / RequestOptionsJSON) and wants the credential
// back as JSON (credential.toJSON()). Browsers with the Level 3 JSON helpers use them;
// older ones get the same conversion done here (base64url <-> ArrayBuffer).
import { AuthGateError } from './errors.js';
import { fromBase64Url, toBase64Url } from './util.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const buf = (s: string): ArrayBuffer => fromBase64Url(s).slice().buffer as ArrayBuffer;
const b64u = (b: ArrayBuffer | ArrayBufferView | null | undefined): string | undefined =>
  b ? toBase64Url(b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength)) : undefined;

interface PKC {
  parseCreationOptionsFromJSON?: (o: Json) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (o: Json) => PublicKeyCredentialRequestOptions;
  isConditionalMediationAvailable?: () => Promise<boolean>;
}

function api(): { pkc: PKC; credentials: CredentialsContainer } {
  const pkc = (globalThis as unknown as { PublicKeyCredential?: PKC }).PublicKeyCredential;
  const credentials = (globalThis as unknown as { navigator?: { credentials?: CredentialsContainer } }).navigator?.credentials;
  if (!pkc || !credentials)
    throw new AuthGateError({ status: 0, code: 'passkeys_unsupported', message: 'AuthGate: this browser has no WebAuthn (navigator.credentials)' });
  return { pkc, credentials };
}

/** True in a browser that can run passkey ceremonies. */
export function passkeysSupported(): boolean {
  try {
    api();
    return true;
  } catch {
    return false;
  }
}

/** True when the browser offers passkeys in autofill (conditional mediation). */
export async function conditionalMediationAvailable(): Promise<boolean> {
  try {
    return (await api().pkc.isConditionalMediationAvailable?.()) === true;
  } catch {
    return false;
  }
}

const descriptors = (list?: Json[]) => list?.map((c) => ({ ...c, id: buf(c.id) }));

export function creationOptions(o: Json): PublicKeyCredentialCreationOptions {
  const { pkc } = api();
  if (pkc.parseCreationOptionsFromJSON) return pkc.parseCreationOptionsFromJSON(o);
  return { ...o, challenge: buf(o.challenge), user: { ...o.user, id: buf(o.user.id) }, excludeCredentials: descriptors(o.excludeCredentials) } as PublicKeyCredentialCreationOptions;
}

export function requestOptions(o: Json): PublicKeyCredentialRequestOptions {
  const { pkc } = api();
  if (pkc.parseRequestOptionsFromJSON) return pkc.parseRequestOptionsFromJSON(o);
  return { ...o, challenge: buf(o.challenge), allowCredentials: descriptors(o.allowCredentials) } as PublicKeyCredentialRequestOptions;
}

/** credential.toJSON(), or the same built by hand where the browser lacks it. */
export function credentialJSON(c: PublicKeyCredential): Json {
  const withJson = c as PublicKeyCredential & { toJSON?: () => Json };
  if (typeof withJson.toJSON === 'function') return withJson.toJSON();
  const r = c.response as AuthenticatorAttestationResponse & AuthenticatorAssertionResponse;
  const response: Json = { clientDataJSON: b64u(r.clientDataJSON) };
  if ('attestationObject' in r && r.attestationObject) {
    response.attestationObject = b64u(r.attestationObject);
    response.transports = r.getTransports?.() ?? [];
  } else {
    response.authenticatorData = b64u(r.authenticatorData);
    response.signature = b64u(r.signature);
    if (r.userHandle) response.userHandle = b64u(r.userHandle);
  }
  return { id: c.id, rawId: b64u(c.rawId), type: c.type, response, clientExtensionResults: c.getClientExtensionResults?.() ?? {}, authenticatorAttachment: c.authenticatorAttachment ?? undefined };
}

function ceremonyError(e: unknown): AuthGateError {
  const name = (e as { name?: string })?.name;
  const code = name === 'NotAllowedError' ? 'passkey_cancelled' : name === 'InvalidStateError' ? 'passkey_exists' : name === 'AbortError' ? 'aborted' : 'passkey_failed';
  return new AuthGateError({ status: 0, code, message: `AuthGate: the passkey ceremony did not complete (${name ?? 'error'}: ${(e as Error)?.message ?? e})`, cause: e });
}

/** navigator.credentials.create with AuthGate's options JSON; answers the credential JSON. */
export async function createCredential(options: Json, signal?: AbortSignal): Promise<Json> {
  const { credentials } = api();
  let c: Credential | null;
  try {
    c = await credentials.create({ publicKey: creationOptions(options), signal });
  } catch (e) {
    throw ceremonyError(e);
  }
  if (!c) throw ceremonyError(new Error('no credential'));
  return credentialJSON(c as PublicKeyCredential);
}

/** navigator.credentials.get with AuthGate's options JSON; mediation 'conditional' for autofill. */
export async function getCredential(options: Json, o: { mediation?: CredentialMediationRequirement; signal?: AbortSignal } = {}): Promise<Json> {
  const { credentials } = api();
  let c: Credential | null;
  try {
    c = await credentials.get({ publicKey: requestOptions(options), mediation: o.mediation, signal: o.signal });
  } catch (e) {
    throw ceremonyError(e);
  }
  if (!c) throw ceremonyError(new Error('no credential'));
  return credentialJSON(c as PublicKeyCredential);
}
