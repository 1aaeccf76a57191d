// Every /api/auth/... route of this app: AuthGate's email endpoints (seed 001's
// fetch('/api/auth/email/signup', ...)), the MFA step, passkeys, the push-approval
// session exchange, sign-out and the magic-link/OAuth callback. The API key and the
// session secret stay here, on the server; the browser gets an HttpOnly cookie.
import { createAuthHandlers } from '@authgate/sdk/next';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`set ${name} (see .env.example)`);
  return v;
}

// Made on first use, so `next build` needs no secrets.
let handlers: ReturnType<typeof createAuthHandlers> | undefined;
const h = () =>
  (handlers ??= createAuthHandlers({
    authgateUrl: env('AUTHGATE_URL'),
    apiKey: env('AUTHGATE_API_KEY'),
    appId: process.env.AUTHGATE_APP_ID,
    session: { secret: env('SESSION_SECRET') },
  }));

export const GET = (req: Request) => h().GET(req);
export const POST = (req: Request) => h().POST(req);
