import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { deepConvNet, simpleConvNet } from '../src-engine/networks/layer-list-spec';
import { parseTrainConfig } from '../src-shared/config';

const preset = async (name: string): Promise<unknown> => JSON.parse(await readFile(join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'presets', name), 'utf8'));

describe('the training presets in resources/presets', () => {
  it('reads the presets as the engine\'s SimpleConvNet (ch7) and DeepConvNet (ch8), Adam lr 0.001, batch 100, 20 epochs, 1000 samples per evaluation', async () => {
    const simple = parseTrainConfig(await preset('simple-convnet.json'));
    expect(simple.network).toEqual(simpleConvNet());
    expect(simple.optimizer).toEqual({ type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999 });
    expect(simple.training).toMatchObject({ batchSize: 100, epochs: 20, evaluateEvery: 'epoch', evaluationSamples: 1000, sampling: 'replacement' });
    const deep = parseTrainConfig(await preset('deep-convnet.json'));
    expect(deep.network).toEqual(deepConvNet());
    expect(deep.optimizer).toEqual(simple.optimizer);
    expect(deep.training).toEqual(simple.training);
  });
});
