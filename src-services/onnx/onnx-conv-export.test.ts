import { beforeAll, describe, expect, it } from 'vitest';
import { createTsBackend } from '../../src-engine/backends/ts-backend';
import type { Dataset } from '../../src-engine/dataset';
import { BATCH_NORM_EPS } from '../../src-engine/layers/batch-normalization';
import { LayerListNet } from '../../src-engine/networks/layer-list-net';
import { simpleConvNet, type LayerListSpec } from '../../src-engine/networks/layer-list-spec';
import { Rng } from '../../src-engine/rng';
import { Tensor } from '../../src-engine/tensor';
import { bundledMnistDirectory, loadIdxDataset } from '../data/load-dataset';
import { buildLayerListModel } from './export-layer-list';
import { engineTestLogits } from './export-run';
import { inspectOnnxModel } from './inspect-model';
import { decodeModel, encodeModel, int64 } from './onnx-schema';
import { tensorInfo } from './test-support/hostile-models';
import { argmaxRows, OnnxClassifier, validateOnnxModel } from './validate-model';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

const IMAGES = 300;

/** MNIST with only its first n test images (the engine's TypeScript convolution is the slow side here). */
function withTestImages(n: number): Dataset {
  const { test } = mnist;
  return { ...mnist, test: { ...test, count: n, images: test.images.subarray(0, n * test.rows * test.cols), labels: test.labels.subarray(0, n) } };
}

/**
 * A seeded net, given some training steps so that its weights, and its BatchNorms' gamma, beta and running
 * statistics, are no longer their initial values (an untrained BatchNorm would be the identity).
 */
function trainedNet(spec: LayerListSpec, steps: number): LayerListNet {
  const net = new LayerListNet(spec, { backend: createTsBackend(), dtype: 'float32', rng: new Rng(7) });
  const batch = 50;
  const x = Tensor.zeros([batch, 784], 'float32');
  const labels = new Int32Array(batch);
  for (let step = 0; step < steps; step++) {
    for (let i = 0; i < batch * 784; i++) x.data[i] = mnist.train.images[step * batch * 784 + i]! / 255;
    for (let i = 0; i < batch; i++) labels[i] = mnist.train.labels[step * batch + i]!;
    const grads = net.gradient(x, labels);
    for (const [key, param] of Object.entries(net.params)) for (let i = 0; i < param.size; i++) param.data[i]! -= 0.1 * grads[key]!.data[i]!;
  }
  return net;
}

function exported(net: LayerListNet): Uint8Array<ArrayBuffer> {
  return buildLayerListModel({
    spec: net.spec,
    params: net.params,
    runningStatistics: net.runningStatistics,
    batchNormEpsilon: BATCH_NORM_EPS,
    producerVersion: 'test',
    docString: 'conv test net',
    metadata: { dataset: 'mnist (bundled)' },
  });
}

const plain: LayerListSpec = {
  input: [1, 28, 28],
  layers: [{ type: 'conv', filters: 4, size: 5, stride: 1, pad: 0 }, { type: 'relu' }, { type: 'pool', size: 2, stride: 2 }, { type: 'affine', units: 20 }, { type: 'relu' }, { type: 'affine', units: 10 }],
  output: 10,
  weightInit: 'he',
};

/** BatchNorm after a conv (per value of C*H*W, as the engine does) and after an affine; stride 2, pad 1, overlapping pooling, dropout. */
const withBatchNorm: LayerListSpec = {
  input: [1, 28, 28],
  layers: [
    { type: 'conv', filters: 6, size: 3, stride: 2, pad: 1 },
    { type: 'batchnorm' },
    { type: 'relu' },
    { type: 'pool', size: 2, stride: 1 },
    { type: 'affine', units: 16 },
    { type: 'batchnorm' },
    { type: 'sigmoid' },
    { type: 'dropout', ratio: 0.3 },
    { type: 'affine', units: 10 },
  ],
  output: 10,
  weightInit: 'he',
};

describe('ONNX round-trip of a conv net, validated by onnxruntime-node', () => {
  it.each([
    ['conv -> relu -> pool -> affine -> relu -> affine', plain, ['Reshape', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm', 'Softmax']],
    ['with BatchNorms, stride, pad and dropout', withBatchNorm, ['Reshape', 'Conv', 'Flatten', 'BatchNormalization', 'Relu', 'MaxPool', 'Gemm', 'Sigmoid', 'Mul', 'Softmax']],
  ])('%s: logits within 1e-4 of the engine, the same prediction for every image', async (_name, spec, operators) => {
    const net = trainedNet(spec, 40);
    const dataset = withTestImages(IMAGES);
    const logits = engineTestLogits(net, 10, dataset);
    const model = exported(net);

    const report = await validateOnnxModel(model, 'conv.onnx', dataset.test, logits);
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.images).toBe(IMAGES);
    expect(report.maxAbsDifference!).toBeLessThanOrEqual(1e-4);
    expect(report.onnxAccuracy).toBe(report.engineAccuracy);
    // 40 steps of 50 images: well above chance (0.1), so the comparison is of a net that computes something.
    expect(report.engineAccuracy!).toBeGreaterThan(0.3);

    const info = inspectOnnxModel(model, 'conv.onnx');
    expect(info).toMatchObject({ inputName: 'input', inputDims: [784], inputSize: 784, scoresName: 'logits', classes: 10, opset: 17 });
    expect(info.operators).toEqual(operators);

    const classifier = await OnnxClassifier.load(model, 'conv.onnx');
    const images = Float32Array.from(dataset.test.images, (v) => v / 255);
    const scores = await classifier.scores(images, IMAGES);
    await classifier.release();
    expect(Array.from(argmaxRows(scores, IMAGES, 10))).toEqual(Array.from(argmaxRows(logits, IMAGES, 10)));
  });

  it('the exported model refuses a run that disagrees with the engine', async () => {
    const net = trainedNet(plain, 2);
    const dataset = withTestImages(100);
    const logits = engineTestLogits(net, 10, dataset);
    logits[5 * 10 + 3]! += 1e-3;
    const report = await validateOnnxModel(exported(net), 'conv.onnx', dataset.test, logits);
    expect(report.passed).toBe(false);
    expect(report.problems[0]).toMatch(/^logits differ from the engine's by up to 1\.0\de-3 \(bound 0\.0001\)$/);
  });

  it('exports SimpleConvNet with the book\'s shapes: W1 [30, 1, 5, 5], pool 2x2 stride 2, 4320 -> 100 -> 10', async () => {
    const net = new LayerListNet(simpleConvNet(), { backend: createTsBackend(), dtype: 'float32', rng: new Rng(1) });
    const model = exported(net);
    const graph = decodeModel(model).graph!;
    expect(graph.node!.map((n) => `${n.name}:${n.op_type}`)).toEqual(['ToImages:Reshape', 'Conv1:Conv', 'Relu1:Relu', 'Pool1:MaxPool', 'Flatten1:Flatten', 'Affine1:Gemm', 'Relu2:Relu', 'Affine2:Gemm', 'Softmax:Softmax']);
    const dims = Object.fromEntries(graph.initializer!.map((t) => [t.name, (t.dims ?? []).map((d) => int64(d))]));
    expect(dims).toEqual({ ToImages_shape: [4], W1: [30, 1, 5, 5], b1: [30], W2: [4320, 100], b2: [100], W3: [100, 10], b3: [10] });
    const attributes = (name: string) => Object.fromEntries(graph.node!.find((n) => n.name === name)!.attribute!.map((a) => [a.name, a.ints?.length ? a.ints.map((v) => int64(v)) : int64(a.i)]));
    expect(attributes('Conv1')).toEqual({ kernel_shape: [5, 5], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1], group: 1 });
    expect(attributes('Pool1')).toEqual({ kernel_shape: [2, 2], strides: [2, 2] });
    expect(attributes('Flatten1')).toEqual({ axis: 1 });
    // The weights are the engine's, value for value (float32 both sides).
    const w1 = graph.initializer!.find((t) => t.name === 'W1')!.raw_data!;
    expect(new Float32Array(w1.slice().buffer)).toEqual(net.params.W1!.data);

    const info = inspectOnnxModel(model, 'simple.onnx');
    expect(info).toMatchObject({ inputDims: [784], classes: 10, operators: ['Reshape', 'Conv', 'Relu', 'MaxPool', 'Flatten', 'Gemm', 'Softmax'] });
    const classifier = await OnnxClassifier.load(model, 'simple.onnx');
    const probabilities = await classifier.probabilities(new Float32Array(2 * 784).fill(0.5), 2);
    await classifier.release();
    expect(probabilities).toHaveLength(20);
    expect(probabilities.subarray(0, 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('imports a conv model whose input is [N, 1, 28, 28] images and runs it like the [N, 784] one', async () => {
    const net = trainedNet(plain, 2);
    const flat = exported(net);
    const decoded = decodeModel(flat);
    const graph = decoded.graph!;
    // The same graph without its first Reshape: the input is the images themselves, as PyTorch exports write it.
    const images = encodeModel({
      ...decoded,
      graph: { ...graph, node: graph.node!.slice(1), initializer: graph.initializer!.filter((t) => t.name !== 'ToImages_shape'), input: [tensorInfo('images', ['N', 1, 28, 28])] },
    });
    const info = inspectOnnxModel(images, 'images.onnx');
    expect(info).toMatchObject({ inputName: 'images', inputDims: [1, 28, 28], inputSize: 784, classes: 10 });

    const pixels = Float32Array.from(mnist.test.images.subarray(0, 3 * 784), (v) => v / 255);
    const [a, b] = [await OnnxClassifier.load(flat, 'flat.onnx'), await OnnxClassifier.load(images, 'images.onnx')];
    expect(await b.scores(pixels, 3)).toEqual(await a.scores(pixels, 3));
    await Promise.all([a.release(), b.release()]);

    const report = await validateOnnxModel(images, 'images.onnx', withTestImages(100).test, engineTestLogits(net, 10, withTestImages(100)));
    expect(report.passed).toBe(true);
  });
});

describe('the layer-list export', () => {
  it('refuses parameters that do not fit the layer list, naming them', () => {
    const net = new LayerListNet(plain, { backend: createTsBackend(), dtype: 'float32', rng: new Rng(1) });
    const base = { spec: plain, runningStatistics: {}, batchNormEpsilon: BATCH_NORM_EPS, producerVersion: 'test', docString: '', metadata: {} };
    const { W1: _w1, ...withoutW1 } = net.params;
    expect(() => buildLayerListModel({ ...base, params: withoutW1 })).toThrow('the network has no W1 to export');
    // W2 transposed: as many values, the wrong orientation.
    expect(() => buildLayerListModel({ ...base, params: { ...net.params, W2: { shape: [20, 576], data: net.params.W2!.data } } })).toThrow('W2 is [20, 576] with 11520 values; the layer list needs [576, 20]');
    const withBatchNormSpec = { ...base, spec: withBatchNorm };
    const bnNet = new LayerListNet(withBatchNorm, { backend: createTsBackend(), dtype: 'float32', rng: new Rng(1) });
    expect(() => buildLayerListModel({ ...withBatchNormSpec, params: bnNet.params })).toThrow('the network has no runningMean1 to export');
  });
});
