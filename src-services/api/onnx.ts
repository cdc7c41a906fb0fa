import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnnxClassifier, validateOnnxModel } from '../onnx/validate-model';
import { ONNX_FILE } from '../runs/run-store';
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
    const bytes = await readFile(join(ctx.store.directory(id), ONNX_FILE)).catch(() => {
      throw new UserError(`run "${record.name}" has no validated ONNX export yet: export it first`);
    });
    return { fileName: `${safeFileName(record.name)}.onnx`, base64: bytes.toString('base64') };
  },

  importOnnx: async (ctx, { fileName, base64 }) => {
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    const classifier = await OnnxClassifier.load(bytes, fileName);
    let report = null;
    if (classifier.info.inputSize === MNIST_PIXELS) {
      const { test } = await ctx.datasets.get({ kind: 'mnist' });
      report = await validateOnnxModel(bytes, fileName, test, undefined);
    }
    return ctx.onnxModels.add(fileName, classifier.info, report, classifier);
  },

  listOnnxModels: async (ctx) => ctx.onnxModels.list(),

  removeOnnxModel: async (ctx, { modelId }) => {
    await ctx.onnxModels.remove(modelId);
    return null;
  },

  predictOnnx: async (ctx, { modelId, pixels }) => {
    const entry = ctx.onnxModels.get(modelId);
    if (!entry) throw new UserError('that ONNX model is no longer loaded: import it again');
    const { summary, classifier } = entry;
    if (pixels.length !== summary.inputSize) throw new UserError(`predict: ${pixels.length} pixels given, ${summary.fileName} takes ${summary.inputSize}`);
    return { probabilities: Array.from(await classifier.probabilities(Float32Array.from(pixels), 1)) };
  },
} satisfies Handlers<OnnxMethod>;
