#!/usr/bin/env node
// `npm test`'s extra builds of the native addon, each in a temporary directory (never over native/build):
//   node scripts/native-builds.mjs gcc     node-gyp rebuild with g++, then the built addon is loaded and run
//   node scripts/native-builds.mjs clang   the same with clang++
//   node scripts/native-builds.mjs mingw   every source compiled (not linked) for 64-bit Windows with
//                                          mingw-w64, plus the MSVC path (no vector extensions) and the
//                                          GCC < 12 path (no __builtin_shufflevector)
//   node scripts/native-builds.mjs lint    the sources use no 32-bit-on-Windows `long`, no aligned_alloc,
//                                          no compiler builtins outside the files that guard them
// Exit status: 0 done, 1 failed, 77 skipped (the compiler is not installed; one line says so).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeGyp, nodeGypRebuildArgs } from './native-toolchain.mjs';

const SKIP = 77;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(root, 'native', 'src');
const mode = process.argv[2];

/** The first of `names` on the PATH, with its version line, or undefined. */
function findCompiler(names) {
  for (const name of names) {
    const probe = spawnSync(name, ['--version'], { encoding: 'utf8' });
    if (probe.status === 0) return { name, version: probe.stdout.split('\n')[0] };
  }
  return undefined;
}

function skip(reason) {
  console.log(`skipped: ${reason}`);
  process.exit(SKIP);
}

/** A smoke run of a built addon: a threaded product against the definition, an in-place loss gradient, a background job. */
const SMOKE = String.raw`
const b = require(process.argv[1]);
b.setThreads(2);
const n = 320, a = Float64Array.from({ length: n * n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5), c = new Float64Array(n * n);
b.gemm(false, false, n, n, n, 1, a, a, 0, c);
for (const [i, j] of [[0, 0], [17, 301], [319, 5]]) {
  let s = 0; for (let p = 0; p < n; p++) s += a[i * n + p] * a[p * n + j];
  if (Math.abs(s - c[i * n + j]) > 1e-12) throw new Error('gemm differs at ' + i + ',' + j);
}
const y = Float32Array.of(0.25, 0.75), labels = Int32Array.of(1);
b.softmaxCrossEntropyBackward(y, labels, y, 1, 2);
if (y[0] !== 0.25 || y[1] !== -0.25) throw new Error('softmaxCrossEntropyBackward in place: ' + y);
const t = b.gatherMatmulAsync(Uint8Array.of(1, 2), 2, Int32Array.of(0), 1, Float32Array.of(1, 1), 1, new Float32Array(1));
b.backgroundWait(t);
console.log('loaded and ran: ' + JSON.stringify(b.info()));
`;

function gypBuild(compiler) {
  const nodeGyp = findNodeGyp();
  if (!nodeGyp) skip('node-gyp was not found (it ships with npm)');
  const dir = mkdtempSync(join(tmpdir(), `bpw-native-${compiler.name.replace(/\W/g, '')}-`));
  try {
    cpSync(join(root, 'native', 'binding.gyp'), join(dir, 'binding.gyp'));
    cpSync(sources, join(dir, 'src'), { recursive: true });
    const cc = compiler.name.replace('++', '').replace(/^g$/, 'gcc');
    // binding.gyp finds node-addon-api with require(): from the temporary directory, through NODE_PATH.
    const env = { ...process.env, CXX: compiler.name, CC: cc, NODE_PATH: join(root, 'node_modules') };
    const build = spawnSync(process.execPath, nodeGypRebuildArgs(nodeGyp, dir), { encoding: 'utf8', env });
    if (build.status !== 0) {
      console.log(`${build.stdout}${build.stderr}`.trim().split('\n').slice(-40).join('\n'));
      return 1;
    }
    const warnings = `${build.stdout}${build.stderr}`.split('\n').filter((l) => /warning:/.test(l));
    for (const w of warnings.slice(0, 10)) console.log(w);
    const smoke = spawnSync(process.execPath, ['-e', SMOKE, join(dir, 'build', 'Release', 'backprop_native.node')], { encoding: 'utf8' });
    process.stdout.write(`${smoke.stdout}${smoke.stderr}`);
    return smoke.status === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the commands, as many at once as there are cores; resolves to the number that failed. */
async function runAll(commands) {
  let failed = 0;
  const queue = [...commands];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [command, args, label] = next;
      const code = await new Promise((done) => {
        const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('close', done);
        child.on('error', () => done(1));
      });
      if (code !== 0) {
        failed++;
        console.log(`FAILED: ${label}`);
      }
    }
  };
  await Promise.all(Array.from({ length: availableParallelism() }, worker));
  return failed;
}

async function mingwCompile(compiler) {
  const addonApi = join(root, 'node_modules', 'node-addon-api');
  const nodeHeaders = [...new Set(['/usr/include/node', resolve(dirname(process.execPath), '..', 'include', 'node')])].filter((h) => existsSync(join(h, 'node_api.h')));
  if (nodeHeaders.length === 0) skip("Node's headers (node_api.h) are not installed next to node nor in /usr/include/node");
  const dir = mkdtempSync(join(tmpdir(), 'bpw-native-mingw-'));
  // What node-gyp defines for a Windows addon (the MSVC flags become their GCC equivalents).
  const common = ['-std=gnu++17', '-O1', '-c', '-Wall', '-fexceptions', '-D_WIN32_WINNT=0x0A00', '-DWIN32_LEAN_AND_MEAN', '-DNOMINMAX', '-DBUILDING_NODE_EXTENSION',
    '-DNAPI_VERSION=8', '-DNAPI_CPP_EXCEPTIONS', `-I${addonApi}`, ...nodeHeaders.map((h) => `-I${h}`)];
  const isaFlags = { 'gemm_avx2.cc': ['-mavx2', '-mfma'], 'gemm_avx512.cc': ['-mavx512f', '-mavx512vl', '-mavx2', '-mfma'] };
  const files = readdirSync(sources).filter((f) => f.endsWith('.cc'));
  const commands = files.map((f) => [compiler.name, [...common, ...(isaFlags[f] ?? []), join(sources, f), '-o', join(dir, `${f}.o`)], f]);
  // MSVC has no vector extensions: the ISA files must compile to the portable forwarders.
  for (const f of ['gemm_base.cc', 'gemm_avx2.cc', 'gemm_avx512.cc']) commands.push([compiler.name, [...common, '-DBPW_VECTOR_EXT=0', join(sources, f), '-o', join(dir, `msvc-${f}.o`)], `${f} without vector extensions`]);
  commands.push([compiler.name, [...common, '-DBPW_HAVE_SHUFFLEVECTOR=0', join(sources, 'gemm_base.cc'), '-o', join(dir, 'noshuffle.o')], 'gemm_base.cc without __builtin_shufflevector']);
  try {
    const failed = await runAll(commands);
    console.log(`${commands.length - failed} of ${commands.length} translation units compiled for x86_64-w64-mingw32`);
    return failed === 0 ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Constructs that build on Linux but break or misbehave on Windows (LLP64, MSVC): found in the source text. */
function lint() {
  const rules = [
    [/\blong\b/, () => true, '`long` is 32-bit on Windows: use int64_t, ptrdiff_t or size_t'],
    [/\b(aligned_alloc|posix_memalign|memalign)\b/, () => true, 'not on MSVC/mingw: use aligned operator new'],
    [/\b__builtin_|__attribute__|#pragma GCC/, (f) => !/^(gemm_isa\.inc|sparse_isa\.inc|portable\.h|runtime\.cc)$/.test(f), 'compiler-specific: only in the guarded files (see portable.h)'],
  ];
  let problems = 0;
  for (const file of readdirSync(sources)) {
    const lines = readFileSync(join(sources, file), 'utf8').split('\n');
    lines.forEach((line, i) => {
      // Code only: comments (// and one-line /* */, doc-comment lines) and string literals are left out.
      if (/^\s*(\/\*|\*)/.test(line)) return;
      const code = line.replace(/\/\*.*?\*\//g, '').replace(/\/\/.*$/, '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
      for (const [pattern, applies, why] of rules) {
        if (applies(file) && pattern.test(code)) {
          problems++;
          console.log(`native/src/${file}:${i + 1}: ${why}\n    ${line.trim()}`);
        }
      }
    });
  }
  console.log(problems === 0 ? `native sources: no portability problems found` : `${problems} portability problems`);
  return problems === 0 ? 0 : 1;
}

const started = Date.now();
let status;
if (mode === 'lint') status = lint();
else {
  const names = { gcc: ['g++'], clang: ['clang++', 'clang++-19', 'clang++-16', 'clang++-14'], mingw: ['x86_64-w64-mingw32-g++-posix', 'x86_64-w64-mingw32-g++'] }[mode];
  if (!names) {
    console.log('usage: native-builds.mjs gcc|clang|mingw|lint');
    process.exit(2);
  }
  const compiler = findCompiler(names);
  if (!compiler) skip(`${names[0]} is not installed (on Debian: apt-get install ${{ gcc: 'g++', clang: 'clang', mingw: 'g++-mingw-w64-x86-64' }[mode]})`);
  console.log(compiler.version);
  status = mode === 'mingw' ? await mingwCompile(compiler) : gypBuild(compiler);
}
console.log(`${status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
process.exit(status);
