// Helpers for the SDK's tests: the packed package (built once per run), a fetch that
// checks every request the SDK sends and every answer AuthGate gives against the
// server's own /openapi.json (Ajv, JSON Schema 2020-12), and re-exports of the
// repository's test harness (real binary, real SMTP server, simulated phone).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import Ajv2020 from 'ajv/dist/2020.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '../../..');

let consumerDir = process.env.SDK_TEST_CONSUMER;
export function consumer() {
  if (!consumerDir || !existsSync(path.join(consumerDir, 'node_modules/@authgate/sdk/package.json'))) {
    // Run one by one: build and pack now (tests/run_all.sh does this once per run).
    consumerDir = execFileSync(process.execPath, [path.join(here, '../scripts/test-install.mjs')], { encoding: 'utf8' }).trim().split('\n').pop();
    process.env.SDK_TEST_CONSUMER = consumerDir;
  }
  return consumerDir;
}

/** Import an entry of the packed package as an app would (ESM): 'sdk', 'server', 'next', 'react'. */
export const load = (entry = 'sdk') => import(pathToFileURL(path.join(consumer(), `${entry}.mjs`)).href);
/** The same through require (CommonJS). */
export const loadCjs = (entry = 'sdk') => createRequire(path.join(consumer(), 'x.cjs'))(`./${entry}.cjs`);

// ---- the contract -------------------------------------------------------------------

export class Contract {
  constructor(spec) {
    this.spec = spec;
    this.ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    this.ops = [];
    for (const [p, item] of Object.entries(spec.paths)) {
      const re = new RegExp('^' + p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+').replace(/\{[^}]+\}/g, '[^/]+') + '$');
      this.ops.push({ path: p, re, item });
    }
    this.seen = new Set();
  }
  op(method, pathname) {
    // A literal path wins over a template (/api/proxy/mfa/verify vs /api/proxy/{provider}/...).
    const hits = this.ops.filter((o) => o.re.test(pathname) && o.item[method]);
    hits.sort((a, b) => (a.path.match(/\{/g) || []).length - (b.path.match(/\{/g) || []).length);
    return hits[0];
  }
  validator(schema) {
    return this.ajv.compile({ ...schema, components: this.spec.components });
  }
  check(kind, method, pathname, status, body) {
    const o = this.op(method, pathname);
    if (!o) throw new Error(`${method.toUpperCase()} ${pathname} is not in /openapi.json`);
    const op = o.item[method];
    let schema;
    if (kind === 'request') schema = op.requestBody?.content?.['application/json']?.schema;
    else {
      const r = op.responses[String(status)];
      if (!r) throw new Error(`${method.toUpperCase()} ${o.path} answered ${status}, which /openapi.json does not list`);
      schema = r.content?.['application/json']?.schema;
      if (r.$ref) schema = this.spec.components.responses[r.$ref.split('/').pop()].content?.['application/json']?.schema;
    }
    if (!schema) {
      if (kind === 'response' && status < 300 && status !== 204 && body !== undefined)
        throw new Error(`${method.toUpperCase()} ${o.path} ${status}: /openapi.json has no schema for this JSON answer`);
      return;
    }
    const v = this.validator(schema);
    if (!v(body)) throw new Error(`${kind} of ${method.toUpperCase()} ${o.path} (${status}) does not match /openapi.json: ${this.ajv.errorsText(v.errors)}\n${JSON.stringify(body).slice(0, 600)}`);
    this.seen.add(`${method.toUpperCase()} ${o.path}`);
  }
  /** A fetch that checks each JSON request and answer against the contract; failures are collected. */
  fetch(failures = []) {
    const f = async (input, init = {}) => {
      const url = new URL(typeof input === 'string' ? input : input.url);
      url.pathname = url.pathname.replace(/^\/p\/[^/]+(?=\/)/, ''); // seed 004's per-project base URL
      const method = (init.method || 'GET').toLowerCase();
      try {
        if (init.body && /json/i.test(headerOf(init.headers, 'content-type'))) this.check('request', method, url.pathname, 0, JSON.parse(init.body));
        // AuthGate's own request headers must be parameters the operation declares
        for (const name of ['X-AuthGate-Client-IP']) {
          if (!headerOf(init.headers, name.toLowerCase())) continue;
          const o = this.op(method, url.pathname), params = o?.item[method]?.parameters ?? [];
          const declared = params.map((x) => (x.$ref ? this.spec.components.parameters[x.$ref.split('/').pop()] : x));
          if (!declared.some((x) => x.in === 'header' && x.name.toLowerCase() === name.toLowerCase()))
            throw new Error(`${method.toUpperCase()} ${o?.path ?? url.pathname} sends ${name}, which /openapi.json does not declare for it`);
        }
      } catch (e) { failures.push(e); }
      const res = await fetch(input, init);
      if (/json/i.test(res.headers.get('content-type') || '')) {
        const clone = res.clone();
        try { this.check('response', method, url.pathname, res.status, await clone.json()); } catch (e) { failures.push(e); }
      }
      return res;
    };
    f.failures = failures;
    return f;
  }
}

function headerOf(h, name) {
  if (!h) return '';
  if (typeof h.get === 'function') return h.get(name) || '';
  const k = Object.keys(h).find((x) => x.toLowerCase() === name);
  return k ? h[k] : '';
}

export async function contractOf(s) {
  const r = await fetch(`${s.url}/openapi.json`);
  return new Contract(await r.json());
}

export const specFile = () => JSON.parse(readFileSync(path.join(REPO, 'web/openapi.json'), 'utf8'));

// ---- the example apps -------------------------------------------------------------------

/**
 * examples/NAME as an app that installed the packed package: a copy in the build
 * directory (next to the consumer) with the tarball unpacked into its node_modules, as
 * `npm install @authgate/sdk` lays it out; next and react resolve from the repository's
 * node_modules, as the consumer's do. Answers the copy's directory.
 */
export function exampleApp(name) {
  const built = path.dirname(consumer());
  const tgz = readFileSync(path.join(built, 'tarball'), 'utf8').trim();
  const dir = path.join(built, `example-${name}`);
  rmSync(dir, { recursive: true, force: true });
  cpSync(path.join(REPO, 'examples', name), dir, { recursive: true, filter: (src) => !/\/(node_modules|\.next)(\/|$)/.test(src) });
  const pkg = path.join(dir, 'node_modules/@authgate/sdk');
  mkdirSync(pkg, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', pkg, '--strip-components=1']);
  return dir;
}
