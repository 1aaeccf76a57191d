// The package as npm ships it: ESM and CJS builds and type declarations for every entry
// point, the SDK's types checked against the live server's /openapi.json, and TypeScript
// apps (ESM and CommonJS) type-checking against the packed package.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../../../tests/lib/server.mjs';
import { consumer, load, loadCjs, REPO } from './lib.mjs';

const SDK = path.join(REPO, 'sdk/js');
let s;
before(async () => { s = await startServer({}); });
after(async () => { await s?.cleanup(); });

test('src/openapi.ts is what the running server\'s /openapi.json gives (the SDK cannot drift from the server)', () => {
  execFileSync(process.execPath, [path.join(SDK, 'scripts/gen-types.mjs'), s.url, '--check'], { stdio: 'pipe' });
});

test('the tarball: ESM, CJS and .d.ts for ., ./server, ./next, ./react; nothing else', () => {
  const tgz = readFileSync(path.join(consumer(), '../tarball'), 'utf8').trim();
  const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  for (const e of ['index', 'server', 'next', 'react', 'client', 'errors', 'webhooks'])
    for (const f of [`dist/esm/${e}.js`, `dist/cjs/${e}.js`, `dist/esm/${e}.d.ts`, `dist/cjs/${e}.d.ts`]) assert.ok(files.includes(f), f);
  assert.ok(files.includes('README.md'));
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.startsWith('scripts/')), files.join(' '));
  const pkg = JSON.parse(readFileSync(path.join(consumer(), 'node_modules/@authgate/sdk/package.json'), 'utf8'));
  assert.deepEqual(pkg.dependencies, undefined, 'no runtime dependencies');
});

test('import and require give the same API, and one AuthGateError class per build', async () => {
  const esm = await load('sdk');
  const cjs = loadCjs('sdk');
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
  for (const entry of ['server', 'next', 'react']) {
    assert.ok(Object.keys(await load(entry)).length > 0, entry);
    assert.ok(Object.keys(loadCjs(entry)).length > 0, entry);
  }
  const { createAuthHandlers } = await load('next');
  assert.equal(typeof createAuthHandlers, 'function');
  // The next entry's errors are the core's (one module graph per format).
  const e = esm.errorFromResponse(400, new Headers(), { error: 'x', message: 'y' });
  assert.ok(e instanceof esm.BadRequestError);
});

test('TypeScript apps type-check against the packed package, as ES modules and as CommonJS', () => {
  const dir = mkdtempSync(path.join(consumer(), 'ts-'));
  try {
    const app = `import { AuthGate, verifyWebhook, isMfaRequired, type SignInResult } from '@authgate/sdk';
import { createAuthHandlers } from '@authgate/sdk/next';
import { getSession } from '@authgate/sdk/server';
const ag = new AuthGate({ baseUrl: 'http://127.0.0.1:8080', apiKey: 'agk_x' });
export async function f(): Promise<string> {
  const r: SignInResult = await ag.emailSignup({ email: 'a@b.co', password: 'securePassword1', callbackUrl: 'https://x/cb', locale: 'it' });
  if (isMfaRequired(r)) return r.mfa_token;
  const url: string = await ag.getOAuthUrl('google', 'https://x/cb', { locale: 'it' });
  const w = await verifyWebhook('{}', {}, 'whsec_x');
  const s = await getSession(new Request('http://x'), { secret: 'x'.repeat(32) });
  const h = createAuthHandlers({ authgateUrl: '', apiKey: '', session: { secret: '' } });
  void h.POST; void s; void w;
  // @ts-expect-error the wire field is callbackUrl in the SDK, not callback_url
  await ag.emailSignin({ email: 'a', password: 'b', callback_url: 'x' });
  return r.token + r.user.email + url;
}
`;
    for (const [mod, ext] of [['esm', 'mts'], ['cjs', 'cts']]) {
      writeFileSync(path.join(dir, `app.${ext}`), app);
      const tsconfig = { compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, lib: ['ES2022', 'DOM'], types: [] }, files: [`app.${ext}`] };
      writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
      try {
        execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8', stdio: 'pipe' });
      } catch (e) {
        assert.fail(`${mod}: ${e.stdout}${e.stderr}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
