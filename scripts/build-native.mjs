#!/usr/bin/env node
// Builds the native addon (native/) at `npm install`/`npm ci` with the node-gyp that ships inside npm.
// A failed build never fails the install: the engine then uses its TypeScript backend and says so once.
// BACKPROP_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'native', 'build', 'Release', 'backprop_native.node');

if (process.env.BACKPROP_SKIP_NATIVE === '1') {
  console.log('native addon: skipped (BACKPROP_SKIP_NATIVE=1); the TypeScript backend will be used');
  process.exit(0);
}

/** npm's own node-gyp (npm ships it), else one installed next to the project. */
function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed as a package
  }
  return candidates.find((c) => existsSync(c));
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  console.warn('warning: native addon not built: node-gyp was not found (it ships with npm). The TypeScript backend will be used.');
  process.exit(0);
}

const args = [nodeGyp, 'rebuild', '--directory', join(root, 'native')];
// Build against the running Node's own headers when they are installed, instead of downloading them.
const prefix = resolve(dirname(process.execPath), '..');
if (existsSync(join(prefix, 'include', 'node', 'common.gypi'))) args.push(`--nodedir=${prefix}`);
const jobs = process.env.JOBS ?? 'max';
args.push(`--jobs=${jobs}`);

console.log('native addon: building (node-gyp rebuild)...');
const started = Date.now();
const result = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: process.env });
if (result.status === 0 && existsSync(addon)) {
  console.log(`native addon: built in ${((Date.now() - started) / 1000).toFixed(1)}s -> ${addon}`);
  process.exit(0);
}
const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n');
console.warn(output.slice(-25).join('\n'));
console.warn(
  `warning: native addon not built (node-gyp exited with ${result.status ?? result.signal}); the engine will use the slower TypeScript backend. ` +
    'Install a C++17 compiler, make and Python 3, then run "npm rebuild" or "npm install".',
);
process.exit(0);
