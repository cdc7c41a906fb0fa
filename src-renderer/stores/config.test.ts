import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { simpleConvNet } from '../../src-engine/networks/layer-list-spec';
import { useConfigStore } from './config';

describe('the Network view\'s config store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
  });

  it('loads an MLP config file into the form, and refuses a layer-list one with the reason instead of turning it into an MLP', () => {
    const store = useConfigStore();
    store.loadText(JSON.stringify({ network: { hiddenSizes: [30, 20] } }), 'mlp.json');
    expect(store.fileMessage).toEqual({ kind: 'ok', text: 'Loaded mlp.json' });
    expect(store.draft.hiddenSizes).toEqual(['30', '20']);
    store.loadText(JSON.stringify({ network: simpleConvNet() }), 'conv.json');
    expect(store.fileMessage).toEqual({ kind: 'error', text: 'conv.json has a layer-list network (network.layers), which this form does not edit yet: train it with npm run train -- --config conv.json' });
    expect(store.draft.hiddenSizes).toEqual(['30', '20']);
  });
});
