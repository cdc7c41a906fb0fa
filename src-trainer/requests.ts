import { isLayerListNetwork, type TrainConfig } from '../src-shared/config';
import { layerListPerSample } from '../src-engine/networks/layer-list-memory';
import { evaluationChunkRows } from '../src-engine/training/evaluation';
import type { TrainerCommandOf, TrainerEventOf } from '../src-shared/trainer-protocol';
import type { Backend } from '../src-engine/backend';
import type { Dataset } from '../src-engine/dataset';
import { inputActivations } from '../src-engine/experiments/input-activations';
import { networkActivations } from '../src-engine/experiments/network-activations';
import { weightHistograms as layerWeightHistograms } from '../src-engine/experiments/weight-histograms';
import { runGradientCheck } from '../src-engine/gradient-check';
import { traceLayers } from '../src-engine/graph/layer-graph';
import { inputGradient } from '../src-engine/networks/input-gradient';
import { Tensor } from '../src-engine/tensor';
import type { Trainer } from '../src-engine/training/trainer';
import { selectBackend } from '../src-services/backends/select-backend';
import { checkGradientCheckBudget, checkLayerGraphBudget } from '../src-services/limits/memory-budget';
import { exportTrainerToOnnx } from '../src-services/onnx/export-run';

/**
 * The requests a trainer process answers besides training its run: each takes the request and gives the event
 * that answers it (a thrown error becomes a requestFailed with the reason).
 */

/**
 * Class probabilities of the network it holds for `rows` images (float32 on the wire, computed in the run's
 * dtype), in chunks of at most the evaluation's rows: a convolution's im2col buffer grows with them.
 */
export function predict(trainer: Trainer<TrainConfig>, command: TrainerCommandOf<'predict'>): TrainerEventOf<'prediction'> {
  const { net } = trainer;
  const inputs = net.inputSize;
  if (command.images.length !== command.rows * inputs) {
    throw new RangeError(`predict: ${command.images.length} values for ${command.rows} images of ${inputs} pixels`);
  }
  const { network } = trainer.config;
  const chunk = isLayerListNetwork(network) ? evaluationChunkRows(layerListPerSample(network, false), trainer.config.dtype) : Math.max(1, command.rows);
  const cols = net.outputSize;
  const probabilities = new Float32Array(command.rows * cols);
  for (let start = 0; start < command.rows; start += chunk) {
    const rows = Math.min(chunk, command.rows - start);
    const x = Tensor.zeros([rows, ...net.inputShape], trainer.config.dtype);
    x.data.set(command.images.subarray(start * inputs, (start + rows) * inputs));
    const scores = net.predict(x, false);
    const exact = Tensor.zeros(scores.shape, scores.dtype);
    trainer.backend.softmaxRows(scores.data, exact.data, rows, cols);
    probabilities.set(exact.data, start * cols);
  }
  return { type: 'prediction', requestId: command.requestId, probabilities, rows: command.rows, cols };
}

/** The saliency of one image: d logit(class) / d pixel through the network it holds (float32 on the wire). */
export function saliency(trainer: Trainer<TrainConfig>, command: TrainerCommandOf<'inputGradient'>): TrainerEventOf<'inputGradient'> {
  const result = inputGradient(trainer.net, command.pixels, command.classIndex);
  return {
    type: 'inputGradient',
    requestId: command.requestId,
    gradient: Float32Array.from(result.gradient),
    classIndex: result.classIndex,
    probabilities: Float32Array.from(result.probabilities),
  };
}

/** Every layer's output for one image through the network it holds (the Draw and Inspect views' "Inside one input"). */
export function layerActivations(trainer: Trainer<TrainConfig>, command: TrainerCommandOf<'inputActivations'>): TrainerEventOf<'inputActivations'> {
  return { type: 'inputActivations', requestId: command.requestId, activations: inputActivations(trainer.net, command.pixels) };
}

/** A copy of every parameter (the weight tiles of the Train view, an export). */
export function exportWeights(trainer: Trainer<TrainConfig>, requestId: string): TrainerEventOf<'weights'> {
  const tensors = Object.entries(trainer.net.params).map(([name, t]) => ({ name, shape: [...t.shape], data: t.data.slice() }));
  return { type: 'weights', requestId, tensors };
}

/** One forward/backward pass of a config's network on a batch: the Graph view's layer trace. */
export async function layerGraph(
  command: TrainerCommandOf<'layerGraph'>,
  host: { createTrainer(config: TrainConfig): Promise<{ trainer: Trainer<TrainConfig>; backend: Backend }>; dataset(config: TrainConfig['dataset']): Promise<Dataset> },
): Promise<TrainerEventOf<'layerGraph'>> {
  // The host checked too; a process checks what it is asked to build before allocating it.
  checkLayerGraphBudget(command.config, command.batchSize);
  const { trainer } = await host.createTrainer(command.config);
  const trace = traceLayers(trainer.net, (await host.dataset(command.config.dataset)).train, command.batchSize);
  return { type: 'layerGraph', requestId: command.requestId, trace };
}

/** The activation histograms of the network it holds, on the first test images (the Inspect view). */
export function activationHistograms(trainer: Trainer<TrainConfig>, dataset: Dataset, command: TrainerCommandOf<'activationHistograms'>): TrainerEventOf<'activationHistograms'> {
  return { type: 'activationHistograms', requestId: command.requestId, activations: networkActivations(trainer.net, dataset.test, command.samples) };
}

/** The weight histograms of the network it holds, one per affine layer (the Train view, next to the weight tiles). */
export function weightHistograms(trainer: Trainer<TrainConfig>, command: TrainerCommandOf<'weightHistograms'>): TrainerEventOf<'weightHistograms'> {
  return { type: 'weightHistograms', requestId: command.requestId, layers: layerWeightHistograms(trainer.net.params, command.bins) };
}

/** The network it holds as ONNX, validated by onnxruntime on the test set. */
export async function exportOnnx(trainer: Trainer<TrainConfig>, dataset: Dataset, command: TrainerCommandOf<'exportOnnx'>): Promise<TrainerEventOf<'onnxExport'>> {
  const { model, report } = await exportTrainerToOnnx(trainer, dataset, {
    appVersion: command.appVersion,
    ...(command.runId ? { runId: command.runId } : {}),
    ...(command.runName ? { runName: command.runName } : {}),
  });
  return { type: 'onnxExport', requestId: command.requestId, model, report };
}

/** Backprop against the numerical gradient for a config's network, on `samples` training images. */
export async function gradientCheck(command: TrainerCommandOf<'gradientCheck'>, dataset: Dataset): Promise<TrainerEventOf<'gradientCheck'>> {
  checkGradientCheckBudget(command.config, command.samples);
  const { backend } = selectBackend(command.config.backend);
  return { type: 'gradientCheck', requestId: command.requestId, ...runGradientCheck(command.config, dataset, backend, command.samples) };
}
