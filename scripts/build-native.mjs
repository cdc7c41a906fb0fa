#!/usr/bin/env node
// Builds the native addon (native/) at `npm install`/`npm ci` with the node-gyp that ships inside npm.
// A failed build never fails the install: the engine then uses the WebAssembly build of the same kernels
// (native/wasm, committed) and says so once.
// BACKPROP_SKIP_NATIVE=1 skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeGyp, nodeGypRebuildArgs } from './native-toolchain.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addon = join(root, 'native', 'build', 'Release', 'backprop_native.node');

if (process.env.BACKPROP_SKIP_NATIVE === '1') {
  console.log('native addon: skipped (BACKPROP_SKIP_NATIVE=1); the WebAssembly build of the kernels (native/wasm) will be used');
  process.exit(0);
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) {
  console.warn('warning: native addon not built: node-gyp was not found (it ships with npm). The WebAssembly build of the kernels will be used.');
  process.exit(0);
}

const args = nodeGypRebuildArgs(nodeGyp, join(root, 'native'));

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
  `warning: native addon not built (node-gyp exited with ${result.status ?? result.signal}); the engine will use the slower WebAssembly build of the same kernels. ` +
    'Install a C++17 compiler, make and Python 3 (see the README\'s "Native CPU kernels"), then run "npm rebuild" or "npm install".',
);
process.exit(0);
