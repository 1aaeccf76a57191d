// A real Caddy (Debian's `caddy` package) in front of an app and AuthGate, configured
// as docs/FORWARD_AUTH.md shows: every app route goes through `forward_auth` to
// AuthGate's /forward-auth after the client's own X-Auth-* / X-User-* headers are
// stripped, the user's id, email, plan and features are copied onto the request to the
// app, a 401 or 403 is AuthGate's own answer, and AuthGate's /users/ API is served on
// the same origin. Runs on 127.0.0.1 with its files (and Caddy's data and config
// directories) in a temporary directory; no admin endpoint, no automatic HTTPS.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './nginx.mjs';

const CADDY = process.env.AUTHGATE_TEST_CADDY || '/usr/bin/caddy';

// authgate: AuthGate's URL; app: the app's URL; base: AuthGate's base path for the
// project ('' for the default project, or '/p/{app_id}').
export function caddyfile({ port, authgate, app, base = '' }) {
  const ag = new URL(authgate).host, ap = new URL(app).host;
  return `{
	admin off
	auto_https off
}

http://127.0.0.1:${port} {
	# AuthGate's end-user API (sign-in, keys, logout) on the app's own origin
	handle /users/* {
		${base ? `rewrite * ${base}{uri}` : ''}
		reverse_proxy ${ag}
	}

	# every other path is the app's, behind forward-auth; route keeps this order
	handle {
		route {
			# what the app will trust comes from AuthGate only: a client's own copies go
			request_header -X-Auth-*
			request_header -X-User-*
			forward_auth ${ag} {
				uri ${base}/forward-auth
				copy_headers X-Auth-User-Id>X-User-Id X-Auth-User-Email>X-User-Email X-Auth-User-Plan>X-User-Plan X-Auth-User-Features>X-User-Features
			}
			reverse_proxy ${ap}
		}
	}
}
`;
}

export async function startCaddy(opts) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ag-caddy-'));
  const port = await freePort();
  const conf = path.join(dir, 'Caddyfile');
  writeFileSync(conf, caddyfile({ ...opts, port }));
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  const proc = spawn(CADDY, ['run', '--config', conf, '--adapter', 'caddyfile'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (proc.exitCode !== null) throw new Error(`caddy exited: ${out}`);
    try {
      await fetch(`${url}/users/auth/status`);
      break;
    } catch (e) {
      if (i > 200) throw new Error(`caddy did not start: ${e} ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    errors: () => out.split('\n').filter((l) => /"level":"(error|fatal)"/.test(l)).join('\n'),
    stop: async () => {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
