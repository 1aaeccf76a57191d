#!/usr/bin/env node
// test-install.mjs DIR — what the SDK's tests use: build once, `npm pack`, and lay the
// tarball out as npm installs it, in DIR/consumer/node_modules/@authgate/sdk. DIR sits in
// the build directory (inside the repository, so the consumer finds react and next in the
// repository's node_modules, as an app finds its own). Shims in DIR/consumer import the
// package by name, so the tests go through its "exports" map like any app.
// Prints DIR/consumer. The SDK's tests call it themselves when run one by one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = path.resolve(process.argv[2] || path.join(here, '../../../build/sdk'));
const consumer = path.join(dir, 'consumer');
const t0 = Date.now();

// One build at a time: test files run one by one (in parallel) each call this, and the
// build replaces sdk/js/dist. Whoever waited finds the others' fresh build and uses it.
const lock = path.join(dir, '.lock');
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
mkdirSync(dir, { recursive: true });
let waited = false;
for (;;) {
  try {
    mkdirSync(lock);
    break;
  } catch (e) {
    if (e.code !== 'EEXIST') throw e;
    waited = true;
    // A build that died holding the lock: taken over after two minutes.
    if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 120000) rmSync(lock, { recursive: true, force: true });
    sleep(200);
  }
}
try {
  const fresh = (statSync(path.join(dir, 'tarball'), { throwIfNoEntry: false })?.mtimeMs ?? 0) > t0;
  if (!(waited && fresh)) build();
} finally {
  rmSync(lock, { recursive: true, force: true });
}
console.log(consumer);

function build() {
  const tgz = execFileSync(process.execPath, [path.join(here, 'build.mjs'), '--pack', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
  const pkgDir = path.join(consumer, 'node_modules/@authgate/sdk');
  rmSync(consumer, { recursive: true, force: true });
  mkdirSync(pkgDir, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', pkgDir, '--strip-components=1']);
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module', dependencies: { '@authgate/sdk': `file:${tgz}` } }, null, 1));
  for (const [name, spec] of [['sdk', '@authgate/sdk'], ['server', '@authgate/sdk/server'], ['next', '@authgate/sdk/next'], ['react', '@authgate/sdk/react']]) {
    writeFileSync(path.join(consumer, `${name}.mjs`), `export * from '${spec}';\n`);
    writeFileSync(path.join(consumer, `${name}.cjs`), `module.exports = require('${spec}');\n`);
  }
  writeFileSync(path.join(dir, 'tarball'), tgz + '\n');
  console.error(`sdk: built and packed ${path.basename(tgz)} in ${Date.now() - t0} ms`);
}
