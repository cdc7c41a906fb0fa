import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { simpleConvNet } from '../../src-engine/networks/layer-list-spec';
import { useConfigStore } from './config';

describe('the Network view\'s config store', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
  });

  it('loads an MLP config file into the fully connected form, and a layer-list one into the layer-list editor', () => {
    const store = useConfigStore();
    store.loadText(JSON.stringify({ network: { hiddenSizes: [30, 20] } }), 'mlp.json');
    expect(store.fileMessage).toEqual({ kind: 'ok', text: 'Loaded mlp.json' });
    expect(store.draft.hiddenSizes).toEqual(['30', '20']);
    expect(store.draft.networkKind).toBe('mlp');
    store.loadText(JSON.stringify({ network: { ...simpleConvNet(), weightDecay: 0.001 } }), 'conv.json');
    expect(store.fileMessage).toEqual({ kind: 'ok', text: 'Loaded conv.json' });
    expect(store.draft.networkKind).toBe('layers');
    expect(store.draft.layerList.layers).toEqual(simpleConvNet().layers);
    expect(store.config?.network).toEqual({ ...simpleConvNet(), weightDecay: 0.001 });
  });
});
