import type { OnnxReport } from '../../src-shared/run-record';
import type { DType } from '../../src-engine/backend';
import type { Dataset } from '../../src-engine/dataset';
import { BATCH_NORM_EPS } from '../../src-engine/layers/batch-normalization';
import { LayerListNet } from '../../src-engine/networks/layer-list-net';
import { MultiLayerNet } from '../../src-engine/networks/multi-layer-net';
import { Tensor } from '../../src-engine/tensor';
import type { Trainer } from '../../src-engine/training/trainer';
import type { TrainConfig } from '../../src-shared/config';
import { buildLayerListModel } from './export-layer-list';
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

/** A network that gives raw class scores for rows of pixels: MultiLayerNet and LayerListNet both do. */
interface ScoringNet {
  readonly dtype: DType;
  predict(x: Tensor, train: boolean): Tensor;
}

/** The engine's class scores for the whole test split, as the exported model should give them (float32). */
export function engineTestLogits(net: ScoringNet, classes: number, dataset: Dataset): Float32Array {
  const { test } = dataset;
  const size = test.rows * test.cols;
  const logits = new Float32Array(test.count * classes);
  for (let start = 0; start < test.count; start += BATCH) {
    const rows = Math.min(BATCH, test.count - start);
    const x = Tensor.zeros([rows, size], net.dtype);
    for (let i = 0; i < rows * size; i++) x.data[i] = test.images[start * size + i]! / 255;
    logits.set(net.predict(x, false).data.subarray(0, rows * classes), start * classes);
  }
  return logits;
}

function mlpLayers(net: MultiLayerNet): AffineWeights[] {
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
  return layers;
}

/** "conv 30 5x5, relu, pool 2x2, affine 100, relu, affine 10": a layer list in one line. */
function describeLayerList(net: LayerListNet): string {
  return net.spec.layers
    .map((layer) => {
      switch (layer.type) {
        case 'conv':
          return `conv ${layer.filters} ${layer.size}x${layer.size}${layer.stride > 1 ? ` stride ${layer.stride}` : ''}${layer.pad ? ` pad ${layer.pad}` : ''}`;
        case 'pool':
          return `pool ${layer.size}x${layer.size}${layer.stride !== layer.size ? ` stride ${layer.stride}` : ''}`;
        case 'affine':
          return `affine ${layer.units}`;
        case 'dropout':
          return `dropout ${layer.ratio}`;
        default:
          return layer.type;
      }
    })
    .join(', ');
}

/**
 * Exports the trainer's network to ONNX and validates it against the engine on the test set. A layer-list
 * network (conv nets) goes to buildLayerListModel, an MLP to buildMlpModel; both take [N, 784] rows.
 */
export function exportTrainerToOnnx(trainer: Trainer<TrainConfig>, dataset: Dataset, info: RunExportInfo): Promise<RunExport> {
  const { net } = trainer;
  // The trainer builds one of the two (createNetwork); the exporter writes each its own way.
  if (!(net instanceof MultiLayerNet || net instanceof LayerListNet)) throw new TypeError('ONNX export: the trainer holds a network of neither kind');
  return exportNetworkToOnnx(net, { config: trainer.config, iterations: trainer.iteration }, dataset, info);
}

/** The network of a run (a MultiLayerNet, or a LayerListNet for a layer-list config) and how it was trained. */
async function exportNetworkToOnnx(net: MultiLayerNet | LayerListNet, run: { readonly config: TrainConfig; readonly iterations: number }, dataset: Dataset, info: RunExportInfo): Promise<RunExport> {
  const { config } = run;
  const classes = net instanceof LayerListNet ? net.spec.output : net.spec.outputSize;
  const logits = engineTestLogits(net, classes, dataset);
  const predicted = argmaxRows(logits, dataset.test.count, classes);
  let correct = 0;
  for (let i = 0; i < dataset.test.count; i++) if (predicted[i] === dataset.test.labels[i]) correct++;
  const testAccuracy = correct / dataset.test.count;
  const metadata = {
    dataset: config.dataset.kind === 'mnist' ? 'mnist (bundled)' : `${dataset.name} (${config.dataset.path})`,
    config: JSON.stringify(config),
    test_accuracy: String(testAccuracy),
    iterations: String(run.iterations),
    created_at: new Date().toISOString(),
    ...(info.runId ? { run_id: info.runId } : {}),
    ...(info.runName ? { run_name: info.runName } : {}),
  };
  const trainedBy = `trained by Backprop Workbench on ${dataset.name} (${run.iterations} iterations, ${config.dtype} weights stored as float32)`;
  const model =
    net instanceof LayerListNet
      ? buildLayerListModel({
          spec: net.spec,
          params: net.params,
          runningStatistics: net.runningStatistics,
          batchNormEpsilon: BATCH_NORM_EPS,
          producerVersion: info.appVersion,
          docString: `${net.spec.input.join('x')} -> ${describeLayerList(net)} network ${trainedBy}.`,
          metadata,
        })
      : buildMlpModel({
          layers: mlpLayers(net),
          activation: net.spec.activation,
          producerVersion: info.appVersion,
          docString: `${[net.spec.inputSize, ...net.spec.hiddenSizes, net.spec.outputSize].join('-')} ${net.spec.activation} MLP ${trainedBy}.`,
          metadata,
        });
  const report = await validateOnnxModel(model, info.runId ? `run ${info.runId}` : 'the exported model', dataset.test, logits);
  return { model, report };
}
