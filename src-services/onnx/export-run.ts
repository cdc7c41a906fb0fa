import type { OnnxReport } from '../../src-shared/run-record';
import type { Dataset } from '../../src-engine/dataset';
import { BATCH_NORM_EPS } from '../../src-engine/layers/batch-normalization';
import { MultiLayerNet } from '../../src-engine/networks/multi-layer-net';
import { Tensor } from '../../src-engine/tensor';
import type { Trainer } from '../../src-engine/training/trainer';
import type { TrainConfig } from '../../src-shared/config';
import { buildMlpModel, type AffineWeights } from './export-model';
import { argmaxRows, validateOnnxModel } from './validate-model';

export interface RunExportInfo {
  readonly runId?: string;
  readonly runName?: string;
  readonly appVersion: string;
}

export interface RunExport {
  readonly model: Uint8Array<ArrayBuffer>;
  readonly report: OnnxReport;
}

const BATCH = 1000;

/** The engine's class scores for the whole test split, float32, as the exported model should give them. */
function engineTestLogits(trainer: Trainer, dataset: Dataset): Float32Array {
  const { test } = dataset;
  const size = test.rows * test.cols;
  const net = trainer.net;
  const classes = net.outputSize;
  const logits = new Float32Array(test.count * classes);
  for (let start = 0; start < test.count; start += BATCH) {
    const rows = Math.min(BATCH, test.count - start);
    const x = Tensor.zeros([rows, size], trainer.config.dtype);
    for (let i = 0; i < rows * size; i++) x.data[i] = test.images[start * size + i]! / 255;
    logits.set(net.predict(x, false).data.subarray(0, rows * classes), start * classes);
  }
  return logits;
}

/** Exports the trainer's network to ONNX and validates it against the engine on the test set. */
export async function exportTrainerToOnnx(trainer: Trainer<TrainConfig>, dataset: Dataset, info: RunExportInfo): Promise<RunExport> {
  const { config } = trainer;
  const net = trainer.net;
  if (!(net instanceof MultiLayerNet)) {
    throw new RangeError(`ONNX export takes multilayer perceptrons (network.hiddenSizes) only: run${info.runName ? ` "${info.runName}"` : ''} is a layer-list network (network.layers), whose convolutions and pooling the exporter does not write yet`);
  }
  const sizes = [net.spec.inputSize, ...net.spec.hiddenSizes, net.spec.outputSize];
  const layers: AffineWeights[] = [];
  const { dropout, invertedDropout } = net.spec;
  for (let l = 1; l < sizes.length; l++) {
    const hidden = l < sizes.length - 1;
    const bn = hidden ? net.batchNorms[l - 1] : undefined;
    layers.push({
      W: net.params[`W${l}`]!.data,
      b: net.params[`b${l}`]!.data,
      inputs: sizes[l - 1]!,
      outputs: sizes[l]!,
      ...(bn ? { batchNorm: { gamma: bn.gamma.data, beta: bn.beta.data, mean: bn.runningMean.data, variance: bn.runningVar.data, epsilon: BATCH_NORM_EPS } } : {}),
      ...(hidden && dropout > 0 && !invertedDropout ? { dropoutScale: 1 - dropout } : {}),
    });
  }
  const logits = engineTestLogits(trainer, dataset);
  const predicted = argmaxRows(logits, dataset.test.count, net.spec.outputSize);
  let correct = 0;
  for (let i = 0; i < dataset.test.count; i++) if (predicted[i] === dataset.test.labels[i]) correct++;
  const testAccuracy = correct / dataset.test.count;
  const model = buildMlpModel({
    layers,
    activation: net.spec.activation,
    producerVersion: info.appVersion,
    docString: `${sizes.join('-')} ${net.spec.activation} MLP trained by Backprop Workbench on ${dataset.name} (${trainer.iteration} iterations, ${config.dtype} weights stored as float32).`,
    metadata: {
      dataset: config.dataset.kind === 'mnist' ? 'mnist (bundled)' : `${dataset.name} (${config.dataset.path})`,
      config: JSON.stringify(config),
      test_accuracy: String(testAccuracy),
      iterations: String(trainer.iteration),
      created_at: new Date().toISOString(),
      ...(info.runId ? { run_id: info.runId } : {}),
      ...(info.runName ? { run_name: info.runName } : {}),
    },
  });
  const report = await validateOnnxModel(model, info.runId ? `run ${info.runId}` : 'the exported model', dataset.test, logits);
  return { model, report };
}
