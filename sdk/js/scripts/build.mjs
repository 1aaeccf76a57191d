#!/usr/bin/env node
// build.mjs — dist/esm (ES modules) and dist/cjs (CommonJS) from src/, one output file
// per source file (so `instanceof AuthGateError` holds across entry points), and type
// declarations from tsc (which also type-checks the SDK against src/openapi.ts) copied
// into both, each tree marked by its own package.json "type" so TypeScript reads the
// declarations in the right module format. `--pack DIR` also runs `npm pack` into DIR.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const esbuild = require('esbuild');
const dist = path.join(root, 'dist');
const t0 = Date.now();

rmSync(dist, { recursive: true, force: true });
const entries = readdirSync(path.join(root, 'src')).filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts')).map((f) => path.join(root, 'src', f));

for (const format of ['esm', 'cjs']) {
  await esbuild.build({
    entryPoints: entries,
    outdir: path.join(dist, format),
    format,
    platform: 'neutral',
    target: ['es2022', 'node18'],
    jsx: 'automatic',
    bundle: false,
    sourcemap: false,
    logLevel: 'warning',
  });
}
writeFileSync(path.join(dist, 'cjs/package.json'), '{"type":"commonjs"}\n');
writeFileSync(path.join(dist, 'esm/package.json'), '{"type":"module"}\n');

const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.json')], { stdio: 'inherit' });
for (const format of ['esm', 'cjs']) cpSync(path.join(dist, 'types'), path.join(dist, format), { recursive: true });
rmSync(path.join(dist, 'types'), { recursive: true, force: true });

const i = process.argv.indexOf('--pack');
if (i > 0) {
  const dir = path.resolve(process.argv[i + 1] || '.');
  mkdirSync(dir, { recursive: true });
  // prepack would build again: this run just did.
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' });
  const [info] = JSON.parse(out);
  console.log(path.join(dir, info.filename));
} else {
  console.error(`built dist/esm and dist/cjs in ${Date.now() - t0} ms`);
}
