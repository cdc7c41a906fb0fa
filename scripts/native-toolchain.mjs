// How the addon is built: node-gyp (the one that ships inside npm) against the running Node's headers.
// Shared by build-native.mjs (`npm install`) and native-builds.mjs (`npm test`'s extra compilers).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** npm's own node-gyp (npm ships it), else one installed next to the project. */
export function findNodeGyp() {
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

/** The running Node's install prefix when its headers are there (no download needed), else undefined. */
export function nodeHeadersPrefix() {
  const prefix = resolve(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'common.gypi')) ? prefix : undefined;
}

/** node-gyp rebuild arguments for the addon in `directory`. */
export function nodeGypRebuildArgs(nodeGyp, directory) {
  const args = [nodeGyp, 'rebuild', '--directory', directory];
  const prefix = nodeHeadersPrefix();
  if (prefix) args.push(`--nodedir=${prefix}`);
  args.push(`--jobs=${process.env.JOBS ?? 'max'}`);
  return args;
}
