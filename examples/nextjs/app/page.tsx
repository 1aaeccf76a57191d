// A server component: it reads the signed-in user from the sealed session cookie and
// hands AuthGate's public URL and the app id to the client side at request time (so one
// build runs against any AuthGate). The API key never leaves the server.
import { headers } from 'next/headers';
import { getSession } from '@authgate/sdk/next';
import { Login } from './login';

export const dynamic = 'force-dynamic';

export default async function Home() {
  const session = await getSession({ headers: await headers() }, { secret: process.env.SESSION_SECRET! });
  return (
    <main>
      <h1>Shop</h1>
      <p id="server-user">{session ? `Server sees ${session.user.email}` : 'Server sees nobody'}</p>
      <Login authgateUrl={process.env.AUTHGATE_PUBLIC_URL ?? process.env.AUTHGATE_URL!} appId={process.env.AUTHGATE_APP_ID!} locale={process.env.AUTHGATE_LOCALE} />
    </main>
  );
}
