import { beforeAll, describe, expect, it } from 'vitest';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from '../../src-shared/config';
import type { Dataset } from '../../src-engine/dataset';
import { bundledMnistDirectory, loadIdxDataset } from '../data/load-dataset';
import { selectBackend } from '../backends/select-backend';
import { Trainer } from '../../src-engine/training/trainer';
import { exportTrainerToOnnx } from './export-run';
import { inspectOnnxModel, OnnxModelError } from './inspect-model';
import { encodeModel } from './onnx-schema';
import { OnnxClassifier, validateOnnxModel } from './validate-model';

let mnist: Dataset;
beforeAll(async () => {
  mnist = await loadIdxDataset(bundledMnistDirectory());
});

/**
 * MNIST with only its first n test images: the export compares the engine's and onnxruntime's logits image
 * by image, which n = 2000 does as well as 10000 for the architectures beyond the first (whose report covers
 * all 10000), at a fifth of the cost on the TypeScript backend.
 */
function withTestImages(n: number): Dataset {
  const { test } = mnist;
  return { ...mnist, test: { ...test, count: n, images: test.images.subarray(0, n * test.rows * test.cols), labels: test.labels.subarray(0, n) } };
}

function trained(input: TrainConfigInput): Trainer<TrainConfig> {
  const config = parseTrainConfig({ ...input, training: { evaluateEvery: 100_000, evaluationSamples: 100, ...input.training } });
  const trainer = new Trainer(config, mnist, selectBackend(config.backend).backend);
  trainer.run();
  return trainer;
}

describe('ONNX export, validated by onnxruntime-node', () => {
  it('round-trips the 2-layer net: logits within 1e-4, equal accuracy, metadata read back', async () => {
    const trainer = trained({ training: { iterations: 300 }, seed: 1 });
    const { model, report } = await exportTrainerToOnnx(trainer, mnist, { runId: 'run-2layer', runName: 'two', appVersion: '9.9.9' });
    expect(report.problems).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.images).toBe(10000);
    expect(report.maxAbsDifference!).toBeLessThanOrEqual(1e-4);
    expect(report.onnxAccuracy).toBe(report.engineAccuracy);
    expect(report.onnxAccuracy).toBeGreaterThan(0.85);

    const info = inspectOnnxModel(model, 'model.onnx');
    expect(info).toMatchObject({ inputName: 'input', inputSize: 784, scoresName: 'logits', classes: 10, opset: 17, producer: 'Backprop Workbench 9.9.9' });
    expect(info.operators).toEqual(['Gemm', 'Relu', 'Softmax']);
    expect(info.metadata.run_id).toBe('run-2layer');
    expect(Number(info.metadata.test_accuracy)).toBe(report.engineAccuracy);
    expect(JSON.parse(info.metadata.config!)).toEqual(trainer.config);
    expect(info.metadata.dataset).toContain('mnist');
    expect(Date.parse(info.metadata.created_at!)).not.toBeNaN();

    // Both outputs: probabilities are the softmax of the logits, per row, with a symbolic batch dimension.
    const classifier = await OnnxClassifier.load(model, 'model.onnx');
    const images = new Float32Array(3 * 784).map((_, i) => mnist.test.images[i]! / 255);
    const probabilities = await classifier.probabilities(images, 3);
    for (let r = 0; r < 3; r++) expect(probabilities.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await classifier.release();
  });

  it('round-trips a 5-layer ReLU net and a float64 sigmoid net', async () => {
    // Trained briefly: what is checked is the export of every layer, not what the net learned.
    const deep = trained({ network: { hiddenSizes: [100, 100, 100, 100], weightInit: 'he' }, optimizer: { type: 'sgd', lr: 0.01 }, training: { iterations: 50, batchSize: 128 } });
    const deepExport = await exportTrainerToOnnx(deep, withTestImages(2000), { appVersion: '0' });
    expect(deepExport.report).toMatchObject({ passed: true, images: 2000 });
    expect(inspectOnnxModel(deepExport.model, 'deep.onnx').operators).toEqual(['Gemm', 'Relu', 'Softmax']);

    const sigmoid = trained({ network: { activation: 'sigmoid', weightInit: 'xavier' }, dtype: 'float64', training: { iterations: 100 } });
    const sigmoidExport = await exportTrainerToOnnx(sigmoid, withTestImages(2000), { appVersion: '0' });
    // float64 weights are stored as float32: the logits still agree far inside the bound.
    expect(sigmoidExport.report.passed).toBe(true);
    expect(sigmoidExport.report.maxAbsDifference!).toBeLessThan(1e-5);
    expect(inspectOnnxModel(sigmoidExport.model, 'sigmoid.onnx').operators).toEqual(['Gemm', 'Sigmoid', 'Softmax']);
  });

  it('round-trips BatchNormalization (running statistics) and dropout (book and inverted)', async () => {
    const cases: Array<[{ hiddenSizes: number[]; batchNorm: boolean; dropout: number; invertedDropout?: boolean }, string[]]> = [
      [{ hiddenSizes: [50, 30], batchNorm: true, dropout: 0.2 }, ['Gemm', 'BatchNormalization', 'Relu', 'Mul', 'Softmax']],
      [{ hiddenSizes: [50], batchNorm: true, dropout: 0.3, invertedDropout: true }, ['Gemm', 'BatchNormalization', 'Relu', 'Softmax']],
    ];
    for (const [network, operators] of cases) {
      // 100 updates: the running statistics (momentum 0.9) have long left their initial values.
      const trainer = trained({ network: { ...network, weightInit: 'he' }, optimizer: { type: 'sgd', lr: 0.05 }, training: { iterations: 100 } });
      const { model, report } = await exportTrainerToOnnx(trainer, withTestImages(2000), { appVersion: '0' });
      expect(report.problems).toEqual([]);
      expect(report.images).toBe(2000);
      expect(report.maxAbsDifference!).toBeLessThanOrEqual(1e-4);
      expect(report.onnxAccuracy).toBe(report.engineAccuracy);
      expect(inspectOnnxModel(model, 'bn.onnx').operators).toEqual(operators);
    }
  });

  it('reports a model whose logits disagree with the engine as failed, with the reason', async () => {
    const trainer = trained({ training: { iterations: 50 } });
    const { model } = await exportTrainerToOnnx(trainer, mnist, { appVersion: '0' });
    const wrong = new Float32Array(10000 * 10).fill(0.5);
    const report = await validateOnnxModel(model, 'model.onnx', mnist.test, wrong);
    expect(report.passed).toBe(false);
    expect(report.problems[0]).toMatch(/logits differ from the engine's by up to/);
  });

  it('refuses empty, truncated and corrupted files, and names unsupported operators', async () => {
    const trainer = trained({ training: { iterations: 10 } });
    const { model } = await exportTrainerToOnnx(trainer, mnist, { appVersion: '0' });
    expect(() => inspectOnnxModel(new Uint8Array(0), 'empty.onnx')).toThrow('empty.onnx: the file is empty');
    expect(() => inspectOnnxModel(model.subarray(0, model.length >> 1), 'half.onnx')).toThrow(/half\.onnx: not (a readable )?(an )?ONNX model/);
    const noise = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    expect(() => inspectOnnxModel(noise, 'noise.onnx')).toThrow(OnnxModelError);
    await expect(OnnxClassifier.load(new TextEncoder().encode('{"not": "onnx"}'), 'config.json')).rejects.toThrow(/config\.json: not/);

    const conv = encodeModel({
      ir_version: 8,
      opset_import: [{ domain: '', version: 17 }],
      graph: {
        name: 'cnn',
        node: [
          { op_type: 'ConvTranspose', input: ['input', 'w'], output: ['c'] },
          { op_type: 'AveragePool', input: ['c'], output: ['p'] },
          { op_type: 'Relu', input: ['p'], output: ['logits'] },
        ],
        input: [{ name: 'input', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 784 }] } } } }],
        output: [{ name: 'logits', type: { tensor_type: { elem_type: 1, shape: { dim: [{ dim_param: 'N' }, { dim_value: 10 }] } } } }],
      },
    });
    expect(() => inspectOnnxModel(conv, 'cnn.onnx')).toThrow('cnn.onnx: unsupported operators ConvTranspose, AveragePool');
  });
});
