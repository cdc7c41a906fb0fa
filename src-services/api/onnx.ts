import { join } from 'node:path';
import { ONNX_LIMITS } from '../../src-shared/limits';
import { formatBytes } from '../onnx/model-error';
import { FileRefusal } from '../limits/bounded-file';
import { readModelFile } from '../onnx/read-model-file';
import { ONNX_FILE } from '../runs/run-layout';
import { requestFromTrainer } from '../trainers/trainer-requests';
import { UserError } from './errors';
import type { Handlers } from './handlers';

/** ONNX: export a run (validated by onnxruntime), download it, and import .onnx models for the Draw view. */
export type OnnxMethod = 'exportOnnx' | 'onnxFile' | 'importOnnx' | 'listOnnxModels' | 'removeOnnxModel' | 'predictOnnx';

/** The inputs of the bundled MNIST test set, on which an imported model of that size is validated. */
const MNIST_PIXELS = 784;

const safeFileName = (name: string): string => name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';

export const onnxHandlers = {
  exportOnnx: async (ctx, { id }) => {
    const record = await ctx.store.get(id);
    if (!['completed', 'stopped'].includes(record.status)) throw new UserError(`run "${record.name}" is ${record.status}: only completed or stopped runs export`);
    const process = await ctx.predictors.processFor(id);
    const reply = await requestFromTrainer(process, { type: 'exportOnnx', runId: id, runName: record.name, appVersion: ctx.info.versions.app }, 'onnxExport', { timeoutMs: 300_000 });
    const { report } = reply;
    if (ctx.supervisor.activeRunIds.includes(id) || ctx.supervisor.queuedRunIds.includes(id)) throw new UserError(`run "${record.name}" was continued during its export: export it again when it ends`);
    // A model that failed validation is not kept as the run's export: only its report, which says why.
    const saved = await ctx.store.saveExport(id, report.passed ? reply.model : null, report);
    const { modelPath } = saved;
    ctx.emit({ type: 'run', record: saved.record });
    const savedTo = report.passed && ctx.hooks.saveModelDialog ? await ctx.hooks.saveModelDialog(`${safeFileName(record.name)}.onnx`, reply.model) : null;
    return { report, modelPath, savedTo };
  },

  onnxFile: async (ctx, { id }) => {
    const record = await ctx.store.get(id);
    // Read like an imported file: a regular file within the size limit (whatever was put in its place).
    const bytes = await readModelFile(join(ctx.store.directory(id), ONNX_FILE)).catch((error: unknown) => {
      throw error instanceof FileRefusal && error.code === 'ENOENT' ? new UserError(`run "${record.name}" has no validated ONNX export yet: export it first`) : error;
    });
    return { fileName: `${safeFileName(record.name)}.onnx`, base64: Buffer.from(bytes).toString('base64') };
  },

  // The model is only decoded here from base64 (its size known from the text's length first); it is read,
  // checked, loaded and validated in the ONNX runner process, never on this thread.
  importOnnx: async (ctx, { fileName, base64 }) => {
    const size = Math.floor((base64.length * 3) / 4);
    if (size > ONNX_LIMITS.maxImportBytes) throw new UserError(`${fileName}: the file is ${formatBytes(size)}, larger than the ${formatBytes(ONNX_LIMITS.maxImportBytes)} this app imports`);
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    if (bytes.length === 0) throw new UserError(`${fileName}: the file is empty (or not base64)`);
    return ctx.onnxModels.import(fileName, bytes, async (info) => (info.inputSize === MNIST_PIXELS ? (await ctx.datasets.get({ kind: 'mnist' })).test : null));
  },

  listOnnxModels: async (ctx) => ctx.onnxModels.list(),

  removeOnnxModel: async (ctx, { modelId }) => {
    await ctx.onnxModels.remove(modelId);
    return null;
  },

  predictOnnx: async (ctx, { modelId, pixels }) => {
    const model = ctx.onnxModels.get(modelId);
    if (!model) throw new UserError('that ONNX model is no longer loaded: import it again');
    if (pixels.length !== model.inputSize) throw new UserError(`predict: ${pixels.length} pixels given, ${model.fileName} takes ${model.inputSize}`);
    return { probabilities: Array.from(await ctx.onnxModels.predict(model, Float32Array.from(pixels))) };
  },
} satisfies Handlers<OnnxMethod>;
