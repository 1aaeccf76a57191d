// A real nginx in front of an app and AuthGate, configured as docs/FORWARD_AUTH.md
// shows: every app route goes through `auth_request` to AuthGate's /forward-auth, the
// user's id, email, plan and features are passed to the app as request headers, a 401
// or 403 is answered with AuthGate's own body, and AuthGate's /users/ API is served on
// the same origin. Runs on 127.0.0.1 with its files in a temporary directory.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './nginx.mjs';

const NGINX = process.env.AUTHGATE_TEST_NGINX || '/usr/sbin/nginx';

// authgate: AuthGate's URL; app: the app's URL; base: AuthGate's base path for the
// project ('' for the default project, or '/p/{app_id}').
export function nginxConf({ dir, port, authgate, app, base = '' }) {
  const ag = new URL(authgate), ap = new URL(app);
  return `daemon off;
${process.getuid?.() === 0 ? 'user nobody nogroup;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream authgate { server ${ag.host}; keepalive 16; }
  upstream app { server ${ap.host}; }
  server {
    listen 127.0.0.1:${port};

    # AuthGate's end-user API (sign-in, keys, logout) on the app's own origin
    location /users/ {
      proxy_pass http://authgate${base}/users/;
    }

    # every other path is the app's, behind forward-auth
    location / {
      auth_request /_authgate;
      auth_request_set $auth_user $upstream_http_x_auth_user_id;
      auth_request_set $auth_email $upstream_http_x_auth_user_email;
      auth_request_set $auth_plan $upstream_http_x_auth_user_plan;
      auth_request_set $auth_features $upstream_http_x_auth_user_features;
      proxy_set_header X-User-Id $auth_user;
      proxy_set_header X-User-Email $auth_email;
      proxy_set_header X-User-Plan $auth_plan;
      proxy_set_header X-User-Features $auth_features;
      error_page 401 403 = @authgate_denied;
      proxy_pass http://app;
    }

    location = /_authgate {
      internal;
      proxy_pass http://authgate${base}/forward-auth;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }

    # a refusal gets AuthGate's answer (the seed's 401/403 bodies), not nginx's page
    location @authgate_denied {
      rewrite ^ ${base}/forward-auth break;
      proxy_pass http://authgate;
      proxy_method GET;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URI $request_uri;
      proxy_set_header X-Original-Method $request_method;
    }
  }
}
`;
}

export async function startNginx(opts) {
  const dir = mkdtempSync(path.join(tmpdir(), 'ag-nginx-'));
  chmodSync(dir, 0o755);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, d));
  const port = await freePort();
  writeFileSync(path.join(dir, 'nginx.conf'), nginxConf({ ...opts, dir, port }));
  const proc = spawn(NGINX, ['-p', `${dir}/`, '-c', `${dir}/nginx.conf`, '-e', `${dir}/error.log`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => { out += d; });
  proc.stderr.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`nginx exited: ${out} ${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
    try {
      await fetch(`${url}/users/auth/status`);
      break;
    } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  return {
    url,
    errors: () => readFileSync(path.join(dir, 'error.log'), 'utf8'),
    stop: async () => {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGQUIT');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
