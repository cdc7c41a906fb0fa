#!/usr/bin/env node
// The WebAssembly build of the native kernels (`npm run build:wasm`): native/wasm/abi.cc (a C ABI over the
// kernels), native/src/elementwise.cc and native/wasm/gemm_wasm.cc (the GEMM and sparse kernels of gemm_isa.inc and
// sparse_isa.inc with 16-byte vectors, which become SIMD128), compiled with clang for wasm32-wasi against wasi-libc and linked
// with wasm-ld into native/wasm/backprop.wasm, which is committed. Beside it, backprop.wasm.json records the
// compiler, the flags and a SHA-256 of every source that went in, and of the module.
//
//   node scripts/build-wasm.mjs           build and write the module and its record
//   node scripts/build-wasm.mjs --check   build in a temporary directory and compare byte for byte with the
//                                         committed module (npm test); exit 1 if they differ
// The build is reproducible: no debug information, no paths, no time stamps, names stripped, so the same
// sources and compiler give the same bytes. Another compiler version gives other bytes: --check then skips
// with the reason, and the source hashes are still checked by the unit tests on every machine.
// Exit status: 0 done, 1 failed or differs, 77 skipped (no clang, wasm-ld or wasi-libc here; one line says so).
// Debian: apt-get install clang lld wasi-libc libclang-rt-<clang major>-dev-wasm32 libc++-<major>-dev-wasm32 libc++abi-<major>-dev-wasm32
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SKIP = 77;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'native', 'wasm', 'backprop.wasm');
const record = join(root, 'native', 'wasm', 'backprop.wasm.json');
const SOURCES = ['native/wasm/abi.cc', 'native/src/elementwise.cc', 'native/wasm/gemm_wasm.cc'];
const clang = process.env.CLANGXX ?? 'clang++';
const sysroot = process.env.WASI_SYSROOT ?? '/usr';
const COMPILE = ['--target=wasm32-wasi', `--sysroot=${sysroot}`, '-std=c++17', '-O3', '-msimd128', '-fno-exceptions', '-fno-rtti', '-fno-math-errno', '-fno-trapping-math', '-ffp-contract=fast'];
// A reactor: no main, _initialize runs the constructors; only the kernels and the memory are exported. The
// stack (1 MiB: the small GEMM keeps 32 KiB of B on it) comes first in memory, so an overflow traps instead
// of overwriting the module's data.
const LINK = [
  '--target=wasm32-wasi', `--sysroot=${sysroot}`, '-O3', '-mexec-model=reactor', '-fno-exceptions',
  '-Wl,--strip-all', '-Wl,--gc-sections', '-Wl,--stack-first', '-Wl,-z,stack-size=1048576',
];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function skip(reason) {
  console.log(`skipped: ${reason}`);
  process.exit(SKIP);
}

function run(args, cwd) {
  const result = spawnSync(clang, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    console.error(`${clang} ${args.join(' ')}\n${result.stdout ?? ''}${result.stderr ?? result.error?.message ?? ''}`);
    process.exit(1);
  }
  return result.stdout;
}

/** The toolchain's version line, or a reason it cannot build here. */
function toolchain() {
  const probe = spawnSync(clang, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) return { missing: `${clang} is not installed` };
  if (!existsSync(join(sysroot, 'lib', 'wasm32-wasi', 'libc.a'))) return { missing: `wasi-libc is not installed (no ${sysroot}/lib/wasm32-wasi/libc.a)` };
  if (spawnSync('wasm-ld', ['--version']).status !== 0) return { missing: 'wasm-ld is not installed (Debian: lld)' };
  const major = /clang version (\d+)/.exec(probe.stdout)?.[1] ?? '<version>';
  const builtins = spawnSync(clang, ['--target=wasm32-wasi', `--sysroot=${sysroot}`, '-print-libgcc-file-name'], { encoding: 'utf8' }).stdout?.trim();
  if (!builtins || !existsSync(builtins)) return { missing: `clang's wasm32 runtime is not installed (Debian: libclang-rt-${major}-dev-wasm32)` };
  if (!existsSync(join(sysroot, 'include', 'wasm32-wasi', 'c++', 'v1', 'vector')) || !existsSync(join(sysroot, 'lib', 'wasm32-wasi', 'libc++abi.a'))) {
    return { missing: `the wasm32 C++ library is not installed (Debian: libc++-${major}-dev-wasm32 libc++abi-${major}-dev-wasm32)` };
  }
  return { version: probe.stdout.split('\n')[0].trim() };
}

/** Every repository file the sources include (clang's dependency list), sorted. */
function inputs() {
  const files = new Set(SOURCES);
  for (const source of SOURCES) {
    const deps = run([...COMPILE, '-MM', source], root).replace(/\\\n/g, ' ').split(/\s+/).slice(1);
    for (const dep of deps) {
      const path = relative(root, resolve(root, dep));
      if (dep && !path.startsWith('..') && !path.startsWith('/')) files.add(path);
    }
  }
  return [...files].sort();
}

function build(dir) {
  const objects = SOURCES.map((source, i) => {
    const object = join(dir, `${i}.o`);
    run([...COMPILE, '-c', source, '-o', object], root);
    return object;
  });
  const wasm = join(dir, 'backprop.wasm');
  run([...LINK, ...objects, '-o', wasm], root);
  return readFileSync(wasm);
}

const tools = toolchain();
const check = process.argv.includes('--check');
if (tools.missing) {
  if (check) skip(`${tools.missing}; the module cannot be rebuilt here`);
  console.error(`cannot build the WebAssembly module: ${tools.missing}`);
  process.exit(1);
}
const committed = existsSync(record) ? JSON.parse(readFileSync(record, 'utf8')) : undefined;
if (check && committed && committed.compiler !== tools.version) {
  skip(`the committed module was built with "${committed.compiler}", this machine has "${tools.version}" (other compilers give other bytes)`);
}

const dir = mkdtempSync(join(tmpdir(), 'bpw-wasm-'));
try {
  const bytes = build(dir);
  if (check) {
    const current = existsSync(output) ? readFileSync(output) : Buffer.alloc(0);
    if (!bytes.equals(current)) {
      console.error(`native/wasm/backprop.wasm is stale: the sources give ${bytes.length} bytes (sha256 ${sha256(bytes)}), the committed file has ${current.length} (sha256 ${sha256(current)}). Run "npm run build:wasm" and commit it.`);
      process.exit(1);
    }
    console.log(`native/wasm/backprop.wasm matches its sources (${bytes.length} bytes, ${tools.version})`);
  } else {
    writeFileSync(output, bytes);
    const sources = Object.fromEntries(inputs().map((file) => [file, sha256(readFileSync(join(root, file)))]));
    writeFileSync(record, `${JSON.stringify({ compiler: tools.version, compile: COMPILE, link: LINK, sources, wasm: sha256(bytes), bytes: bytes.length }, null, 2)}\n`);
    console.log(`built native/wasm/backprop.wasm: ${bytes.length} bytes (${tools.version})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
