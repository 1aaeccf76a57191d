// Names for the wire types the SDK's methods take and answer. Every one is derived from
// src/openapi.ts, which is generated from AuthGate's /openapi.json: a field renamed on the
// server changes these types, and the SDK stops compiling where it used the old one.
import type { components } from './openapi.js';
import type { RequestBody, ResponseBody } from './http.js';

type Schemas = components['schemas'];
export type SessionUser = Schemas['SessionUser'];
export type SessionResult = Schemas['SessionResult'];
export type MfaRequired = Schemas['MfaRequired'];
export type SignInResult = Schemas['SignInResult'];
export type SuccessMessage = Schemas['Success'];
export type TokenVerified = Schemas['TokenVerified'];
export type TokenRefused = Schemas['TokenRefused'];
export type TokenVerifyResult = TokenVerified | TokenRefused;
export type PushStarted = Schemas['PushStarted'];
export type PushStatus = Schemas['PushStatus'];
export type Factor = Schemas['Factor'];
export type PasskeyCeremony = Schemas['PasskeyCeremony'];
export type Identity = Schemas['Identity'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type Project = Schemas['Project'];
export type MfaMethod = MfaRequired['methods'][number];

export type EmailSignupRequest = RequestBody<'/api/proxy/email/signup', 'post'>;
export type EmailSigninRequest = RequestBody<'/api/proxy/email/signin', 'post'>;
export type EmailVerifyRequest = RequestBody<'/api/proxy/email/verify', 'post'>;
export type EmailResendRequest = RequestBody<'/api/proxy/email/verify/resend', 'post'>;
export type EmailResetRequest = RequestBody<'/api/proxy/email/reset-password', 'post'>;
export type EmailResetConfirmRequest = RequestBody<'/api/proxy/email/reset-password/confirm', 'post'>;
export type MagicLinkSendRequest = RequestBody<'/api/proxy/email/magic-link/send', 'post'>;
export type MfaChallengeRequest = RequestBody<'/api/proxy/mfa/challenge', 'post'>;
export type MfaChallengeResult = ResponseBody<'/api/proxy/mfa/challenge', 'post'>;
export type MfaVerifyRequest = RequestBody<'/api/proxy/mfa/verify', 'post'>;
export type TotpEnrollment = ResponseBody<'/api/mfa/enroll/totp', 'post'>;
export type FactorList = ResponseBody<'/api/mfa/factors', 'get'>;
export type FactorConfirmed = ResponseBody<'/api/mfa/factors/{id}/confirm', 'post'>;
export type SecurityLog = ResponseBody<'/api/mfa/security-log', 'get'>;
export type IdentityList = ResponseBody<'/api/v1/identities', 'post'>;
export type WebhookCreateRequest = RequestBody<'/api/webhooks', 'post'>;
export type WebhookUpdateRequest = RequestBody<'/api/webhooks/{id}', 'patch'>;
export type PushVerifyResult = ResponseBody<'/auth/verify', 'get'>;

/** Narrow a sign-in answer: a second factor is due. */
export function isMfaRequired(r: unknown): r is MfaRequired {
  return !!r && typeof r === 'object' && (r as { mfa_required?: unknown }).mfa_required === true;
}
