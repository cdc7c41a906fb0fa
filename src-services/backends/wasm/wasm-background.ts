import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { BackgroundKernels, FloatArray, SparseProductArgs } from '../../../src-engine/backend';
import { requireLength, requireNoOverlap, requireSameDtype } from '../../../src-engine/backends/ts/checks';
import { checkSparseProduct } from '../../../src-engine/backends/ts/images';
import { requireKind, requireWasmDims } from './wasm-checks';
import { WASM_WORKER_SOURCE } from './wasm-worker-source';

/**
 * The WebAssembly backend's background kernels: the first-layer products of an evaluation, run by a second
 * instance of the module on a worker thread (wasm-worker-source.ts) while training goes on, as the addon runs
 * them on its background thread. A job is checked here, as the same call on the training thread is; its
 * inputs are copied when it is queued (only the batch's rows or indices: an encoded image set goes to the
 * worker once), and its product is copied into `out` by the done() or wait() that learns it finished.
 */
type Reply = { ticket: number; product: FloatArray } | { ticket: number; error: string };

/** A worker that has not answered for this long is taken for dead (its job never finishes). */
const WAIT_LIMIT_MS = 120_000;
/** Image sets kept in the worker's memory: a run's training, test and hold-out sets. */
const MAX_SETS = 4;

export class WasmBackground implements BackgroundKernels {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private ticket = 0;
  /** The outputs of the jobs the worker has not answered yet, by ticket. */
  private readonly outs = new Map<number, FloatArray>();
  private readonly failures = new Map<number, Error>();
  private readonly sets = new Map<Uint16Array, { rowStart: Int32Array; values: Uint8Array; id: number }>();
  private nextSet = 1;

  constructor(private readonly modulePath: string) {}

  sparseMatmul(...args: SparseProductArgs): number {
    const name = 'sparseMatmul';
    const [rowStart, columns, values, rowLength, indices, scale, w, n, out] = args;
    requireKind(name, rowStart, Int32Array, 'rowStart');
    requireKind(name, columns, Uint16Array, 'columns');
    requireKind(name, values, Uint8Array, 'values');
    requireKind(name, indices, Int32Array, 'indices');
    requireWasmDims(name, { rowLength, n });
    checkSparseProduct(name, false, args, false);
    // A pixel column outside the row is reported by the wait or done for the job, which writes nothing.
    const outside = widestOutside(args);
    if (outside) return this.fail(new RangeError(`${name}: image ${outside.image} has pixel column ${outside.column} outside rowLength ${rowLength}`));
    const known = this.sets.get(columns);
    const fresh = !known || known.rowStart !== rowStart || known.values !== values;
    const set = fresh ? { rowStart, values, id: this.nextSet++ } : known;
    const drop: number[] = [];
    if (fresh) {
      if (known) drop.push(known.id);
      this.sets.set(columns, set);
      if (this.sets.size > MAX_SETS) {
        const [oldest, entry] = this.sets.entries().next().value!;
        this.sets.delete(oldest);
        drop.push(entry.id);
      }
    }
    return this.queue(out, indices.length, n, {
      kind: 'sparse',
      setId: set.id,
      ...(fresh ? { set: { id: set.id, rowStart, columns, values } } : {}),
      drop,
      indices: indices.slice(),
      rowLength,
      scale,
      w: w.slice(0, rowLength * n),
    });
  }

  gatherMatmul(src: Uint8Array, rowLength: number, indices: Int32Array, scale: number, w: FloatArray, n: number, out: FloatArray): number {
    const name = 'gatherMatmulAsync';
    requireKind(name, src, Uint8Array, 'src');
    requireKind(name, indices, Int32Array, 'indices');
    requireWasmDims(name, { rowLength, n });
    requireSameDtype(name, w, out);
    const rows = indices.length;
    requireLength(name, w, rowLength * n, `W ${rowLength}x${n}`);
    requireLength(name, out, rows * n, `out ${rows}x${n}`);
    for (const input of [src, indices, w]) requireNoOverlap(name, out, input, 'out must not overlap src, indices or W');
    const available = rowLength === 0 ? Infinity : Math.floor(src.length / rowLength);
    const pixels = new Uint8Array(rows * rowLength);
    for (let r = 0; r < rows; r++) {
      const index = indices[r]!;
      if (!(index >= 0 && index < available)) throw new RangeError(`${name}: index ${index} at position ${r} is outside [0, ${available})`);
      pixels.set(src.subarray(index * rowLength, (index + 1) * rowLength), r * rowLength);
    }
    return this.queue(out, rows, n, { kind: 'gather', pixels, rowLength, scale, w: w.slice(0, rowLength * n) });
  }

  done(ticket: number): boolean {
    this.issued(ticket);
    this.drain();
    return this.finish(ticket);
  }

  wait(ticket: number): void {
    this.issued(ticket);
    const started = Date.now();
    for (;;) {
      const seen = Atomics.load(this.signal, 0);
      this.drain();
      if (this.finish(ticket)) return;
      if (Date.now() - started > WAIT_LIMIT_MS) throw new Error(`the WebAssembly background thread did not finish job ${ticket} in ${WAIT_LIMIT_MS / 1000} s`);
      Atomics.wait(this.signal, 0, seen, 1000);
    }
  }

  private issued(ticket: number): void {
    if (!(Number.isInteger(ticket) && ticket >= 1 && ticket <= this.ticket)) throw new RangeError(`ticket ${ticket} was never issued (${this.ticket} jobs so far)`);
  }

  /** A job found invalid when queued: its ticket finishes at once, with the error. */
  private fail(error: Error): number {
    const ticket = ++this.ticket;
    this.failures.set(ticket, error);
    return ticket;
  }

  private queue(out: FloatArray, rows: number, n: number, job: Record<string, unknown>): number {
    const ticket = ++this.ticket;
    this.outs.set(ticket, out.subarray(0, rows * n));
    this.start().postMessage({ ticket, rows, n, f64: out instanceof Float64Array ? 1 : 0, ...job });
    return ticket;
  }

  /** True once every job up to `ticket` is done (they finish in order); throws the error of a failed one (once). */
  private finish(ticket: number): boolean {
    for (const pending of this.outs.keys()) if (pending <= ticket) return false;
    for (const [failed, error] of this.failures) {
      if (failed > ticket) continue;
      this.failures.delete(failed);
      throw error;
    }
    return true;
  }

  /** Takes in every reply the worker has sent: products into their outputs, failures kept for finish(). */
  private drain(): void {
    if (!this.port) return;
    for (let message = receiveMessageOnPort(this.port); message; message = receiveMessageOnPort(this.port)) {
      const reply = message.message as Reply;
      const out = this.outs.get(reply.ticket);
      this.outs.delete(reply.ticket);
      if ('error' in reply) this.failures.set(reply.ticket, new Error(`background job ${reply.ticket} failed: ${reply.error}`));
      else out?.set(reply.product);
    }
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const { port1, port2 } = new MessageChannel();
    this.worker = new Worker(WASM_WORKER_SOURCE, { eval: true, workerData: { path: this.modulePath, port: port2, signal: this.signal.buffer }, transferList: [port2] });
    // Neither keeps the process alive: a finished run exits as it does without them.
    this.worker.unref();
    port1.unref();
    this.port = port1;
    return this.worker;
  }
}

/** The first batch image with a pixel column at or past rowLength (the row ranges were checked). */
function widestOutside(args: SparseProductArgs): { image: number; column: number } | undefined {
  const [rowStart, columns, , rowLength, indices] = args;
  for (let r = 0; r < indices.length; r++) {
    const image = indices[r]!;
    let widest = -1;
    for (let j = rowStart[image]!; j < rowStart[image + 1]!; j++) widest = Math.max(widest, columns[j]!);
    if (widest >= rowLength) return { image, column: widest };
  }
  return undefined;
}
