/**
 * The background thread of the WebAssembly backend: a worker_threads Worker with its own instance of the same
 * module (wasm-background.ts starts it from this source, so it needs no file of its own in any bundle). Jobs
 * arrive in order as messages; each result goes back on `port`, and then the last finished ticket is stored
 * in `signal` and notified, so the training thread can learn it (or sleep on it) without its event loop.
 *
 * Messages: { ticket, set?: { id, rowStart, columns, values }, drop?: ids, kind: 'sparse' | 'gather', f64, ... }.
 * Encoded image sets stay in the worker's memory by id (sent once each); a job carries only its indices (or
 * gathered rows), the weights and sizes. Replies: { ticket, product } or { ticket, error, range }.
 */
export const WASM_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { path, port, signal } = workerData;
const done = new Int32Array(signal);
const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(path)), {});
const k = instance.exports;
if (typeof k._initialize === 'function') k._initialize();
const sets = new Map();

function keep(array) {
  const block = k.alloc(Math.max(64, array.byteLength));
  if (block === 0) throw new Error('out of memory for an image set on the background thread');
  new Uint8Array(k.memory.buffer, block, array.byteLength).set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
  return block;
}

function run(job) {
  if (job.set) sets.set(job.set.id, { rowStart: keep(job.set.rowStart), columns: keep(job.set.columns), values: keep(job.set.values) });
  for (const id of job.drop || []) {
    const s = sets.get(id);
    if (!s) continue;
    k.release(s.rowStart); k.release(s.columns); k.release(s.values);
    sets.delete(id);
  }
  const size = job.f64 ? 8 : 4;
  const Float = job.f64 ? Float64Array : Float32Array;
  const align = (n) => (n + 15) & ~15;
  const rows = job.rows, n = job.n, rowLength = job.rowLength;
  const indexBytes = align(rows * 4), weightBytes = align(rowLength * n * size), outBytes = align(rows * n * size);
  const pixelBytes = job.kind === 'gather' ? align(rows * rowLength) + align(rows * rowLength * size) : 0;
  const base = k.arena(indexBytes + weightBytes + outBytes + pixelBytes);
  const pIndices = base, pWeights = base + indexBytes, pOut = pWeights + weightBytes, pPixels = pOut + outBytes;
  const memory = k.memory.buffer;
  const indices = new Int32Array(memory, pIndices, rows);
  new Float(memory, pWeights, rowLength * n).set(job.w);
  if (job.kind === 'sparse') {
    const s = sets.get(job.setId);
    indices.set(job.indices);
    k.sparseMatmul(job.f64, 0, s.rowStart, s.columns, s.values, rowLength, pIndices, rows, job.scale, pWeights, n, pOut);
  } else {
    // The gathered rows arrive as rows x rowLength bytes: row r is image r.
    for (let r = 0; r < rows; r++) indices[r] = r;
    new Uint8Array(memory, pPixels, rows * rowLength).set(job.pixels);
    const pX = pPixels + align(rows * rowLength);
    k.gatherRows(job.f64, pPixels, rowLength, pIndices, rows, job.scale, pX);
    k.gemm(job.f64, 0, 0, rows, n, rowLength, 1, pX, pWeights, 0, pOut);
  }
  return new Float(k.memory.buffer, pOut, rows * n).slice();
}

parentPort.on('message', (job) => {
  let reply;
  try {
    const product = run(job);
    reply = { ticket: job.ticket, product };
    port.postMessage(reply, [product.buffer]);
  } catch (error) {
    port.postMessage({ ticket: job.ticket, error: String((error && error.message) || error) });
  }
  Atomics.store(done, 0, job.ticket);
  Atomics.notify(done, 0);
});
`;
