'use client';
// The SDK's React components against this app's /api/auth route handlers: the email
// form (sign-up, the mailed code, sign-in, the MFA step), the passkey button (sign in;
// add one while signed in) and push login (approve on the phone).
import { AuthGateProvider, EmailForm, PasskeyButton, PushLogin, useSession } from '@authgate/sdk/react';

function Account() {
  const { status, user, canManageFactors, signOut } = useSession();
  if (status === 'loading') return <p>Loading…</p>;
  if (!user) return <p id="who">Signed out</p>;
  return (
    <section>
      <p id="who">Hello {user.email}</p>
      {canManageFactors && <PasskeyButton mode="register" name="This browser" />}
      <button type="button" onClick={() => void signOut()}>Sign out</button>
    </section>
  );
}

export function Login({ authgateUrl, appId, locale }: { authgateUrl: string; appId: string; locale?: string }) {
  return (
    <AuthGateProvider authgateUrl={authgateUrl} appId={appId} locale={locale}>
      <Account />
      <h2>Email</h2>
      <EmailForm mode="signup" />
      <h2>Passkey</h2>
      <PasskeyButton />
      <h2>Phone</h2>
      <PushLogin />
    </AuthGateProvider>
  );
}
