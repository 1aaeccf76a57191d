// @authgate/sdk — the core client for Node 18+ and browsers (platform fetch and WebCrypto only).
export { AuthGate, FactorsApi, WebhooksApi } from './client.js';
export type { AuthGateOptions, OnBehalfOf, EmailSignupOptions, EmailSigninOptions, EmailVerifyOptions, EmailOnlyOptions, ResetConfirmOptions, MagicLinkOptions, MfaVerifyOptions } from './client.js';
export * from './errors.js';
export { PushClient, type FinalPushStatus, type WaitOptions } from './push.js';
export { PasskeyClient } from './passkeys.js';
export { UsersClient, UserSessionApi, ProvidersAdminApi } from './users.js';
export type {
  UserCredential, UserStatus, UserSignIn, UserApiKeyCreated, UserApiKeys, UserSessions, UserRefreshed, Provider, Connection, ConnectionList,
  Connected, Disconnected, ValidToken, GoogleSearchKeys, AccessDecision, AccessCheckRequest, PlanUser,
} from './users.js';
export { passkeysSupported, conditionalMediationAvailable, createCredential, getCredential } from './webauthn.js';
export { verifyTokenLocally, type SessionClaims, type VerifyLocallyOptions } from './jwt.js';
export { verifyWebhook, WebhookVerificationError, type VerifiedWebhook, type VerifyWebhookOptions, type WebhookHeaders, type WebhookPayload } from './webhooks.js';
export { readSse, type SseMessage } from './sse.js';
export * from './types.js';
export type { paths, components } from './openapi.js';
export type { RequestBody, ResponseBody } from './http.js';
export { isIpAddress, CLIENT_IP_HEADER } from './http.js';

/** Shorthand for new AuthGate(options). */
import { AuthGate, type AuthGateOptions } from './client.js';
export function createAuthGate(options: AuthGateOptions): AuthGate {
  return new AuthGate(options);
}
