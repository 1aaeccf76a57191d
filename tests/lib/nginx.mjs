// A real nginx (Debian nginx-light) on loopback in front of an AuthGate server, with its
// own prefix directory: config, pid file, logs and temp paths all in a temp dir, so it
// runs next to anything else on the machine, as root (workers as nobody) or not.
//   const px = await startNginx(server.url); px.url; px.unbufferedUrl; px.accessLog(); await px.stop()
//
// The proxy block is the one docs/PROXY.md recommends. A second server streams request
// bodies through unbuffered (chunked stays chunked). One test-only line: a client may
// name the address nginx should take as its own (X-Test-Peer, via the realip module), to
// stand in for a remote client — on this machine every real peer is a loopback address.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const NGINX = process.env.AUTHGATE_TEST_NGINX || '/usr/sbin/nginx';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

export async function startNginx(upstreamUrl) {
  if (!existsSync(NGINX)) throw new Error(`${NGINX} not found: install nginx-light (scripts/deps.sh test)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'authgate-nginx-'));
  chmodSync(dir, 0o755); // the workers (nobody, when we are root) read and write here
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(path.join(dir, d));
  const up = new URL(upstreamUrl);
  const [port, unbufferedPort] = [await freePort(), await freePort()];
  const proxy = `
      proxy_pass http://authgate;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;`;
  const conf = `
${process.getuid?.() === 0 ? 'user nobody nogroup;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 512; }
http {
  log_format t '$remote_addr "$request" $status $upstream_status';
  access_log ${dir}/access.log t;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  set_real_ip_from 127.0.0.0/8;
  real_ip_header X-Test-Peer;
  upstream authgate {
    server ${up.hostname}:${up.port};
    keepalive 8;
  }
  server {
    listen 127.0.0.1:${port};
    location / {${proxy}
    }
  }
  server {
    listen 127.0.0.1:${unbufferedPort};
    location / {${proxy}
      proxy_request_buffering off;
    }
  }
}
`;
  writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const proc = spawn(NGINX, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  let exited = false;
  proc.on('exit', () => { exited = true; });
  for (let i = 0; ; i++) {
    if (exited || i > 200) {
      proc.kill('SIGKILL');
      const log = existsSync(path.join(dir, 'error.log')) ? readFileSync(path.join(dir, 'error.log'), 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start:\n${stderr}\n${log}`);
    }
    if (await canConnect(port) && await canConnect(unbufferedPort)) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const read = (f) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8') : '');
  return {
    url: `http://127.0.0.1:${port}`,
    unbufferedUrl: `http://127.0.0.1:${unbufferedPort}`,
    dir,
    accessLog: () => read('access.log'),
    errorLog: () => read('error.log'),
    async stop() {
      if (!exited) {
        const done = new Promise((r) => proc.on('exit', r));
        proc.kill('SIGTERM'); // fast shutdown of master and workers
        await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
        if (!exited) proc.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
