import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import type { OptimizerType } from '../../src-engine/optimizers';
import { parseTrainConfig, safeParseTrainConfig, type TrainConfig } from '../../src-shared/config';
import { errorMessage, useApi } from '../api/client';
import { downloadText } from '../composables/download';
import { changeOptimizer, draftFromConfig, dropStalePresetName, learningRateHint, PRESETS, validateDraft, type ConfigDraft, type PresetId } from './config-draft';

const STORAGE_KEY = 'backprop-workbench.config';

function initialDraft(): ConfigDraft {
  // The last config survives a reload or restart; a stored one that no longer validates is dropped.
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored) {
      const parsed = safeParseTrainConfig(JSON.parse(stored));
      // A remembered preset's name is still the preset's: it goes once the config is edited.
      if (parsed.ok) return draftFromConfig(parsed.config, { fromPreset: PRESETS.some((p) => p.config.name === parsed.config.name) });
    }
  } catch {
    // unreadable storage: start from the book's defaults
  }
  return draftFromConfig(parseTrainConfig(PRESETS[0]!.config), { fromPreset: true });
}

/** The network + training config being edited, validated live by the shared schema. */
export const useConfigStore = defineStore('config', () => {
  const draft = ref<ConfigDraft>(initialDraft());
  const validation = computed(() => validateDraft(draft.value));
  const config = computed<TrainConfig | undefined>(() => validation.value.config);
  const errors = computed(() => validation.value.errors);
  const valid = computed(() => config.value !== undefined);
  const lrHint = computed(() => learningRateHint(draft.value.optimizer));
  /** Where the last open/save went, or why it failed. */
  const fileMessage = ref<{ kind: 'ok' | 'error'; text: string } | undefined>();

  watch(draft, () => dropStalePresetName(draft.value), { deep: true });

  function setOptimizer(type: OptimizerType): void {
    changeOptimizer(draft.value, type);
  }

  function remember(): void {
    if (config.value) localStorage.setItem(STORAGE_KEY, JSON.stringify(config.value));
  }

  function applyPreset(id: PresetId): void {
    const preset = PRESETS.find((p) => p.id === id);
    if (!preset) return;
    const { dataset } = config.value ?? parseTrainConfig({});
    draft.value = draftFromConfig(parseTrainConfig({ ...preset.config, dataset }), { fromPreset: true });
    fileMessage.value = undefined;
  }

  /** Fills the form from `config`: a layer-list (convolutional) network opens in the layer-list editor. */
  function load(config: TrainConfig): void {
    draft.value = draftFromConfig(config);
  }

  /** A JSON text from a file the user chose: loaded only if it is a valid config, else the reason. */
  function loadText(text: string, source: string): void {
    try {
      load(parseTrainConfig(JSON.parse(text), source));
      fileMessage.value = { kind: 'ok', text: `Loaded ${source}` };
    } catch (error) {
      fileMessage.value = { kind: 'error', text: error instanceof SyntaxError ? `${source}: not JSON (${error.message})` : errorMessage(error) };
    }
  }

  async function openFile(): Promise<boolean> {
    const api = useApi();
    if (api.mode !== 'desktop') return false;
    try {
      const opened = await api.call('openConfigFile', {});
      if (opened) {
        load(opened.config);
        fileMessage.value = { kind: 'ok', text: `Loaded ${opened.path}` };
      }
    } catch (error) {
      fileMessage.value = { kind: 'error', text: errorMessage(error) };
    }
    return true;
  }

  async function saveFile(): Promise<void> {
    if (!config.value) {
      fileMessage.value = { kind: 'error', text: 'Fix the fields marked in red before saving.' };
      return;
    }
    const name = `${(config.value.name ?? 'network').replace(/[^A-Za-z0-9._-]+/g, '-')}.json`;
    const api = useApi();
    try {
      if (api.mode === 'desktop') {
        const saved = await api.call('saveConfigFile', { config: config.value, suggestedName: name });
        if (saved) fileMessage.value = { kind: 'ok', text: `Saved ${saved.path}` };
      } else {
        downloadText(name, `${JSON.stringify(config.value, null, 2)}\n`, 'application/json');
        fileMessage.value = { kind: 'ok', text: `Downloaded ${name}` };
      }
    } catch (error) {
      fileMessage.value = { kind: 'error', text: errorMessage(error) };
    }
  }

  return { draft, config, errors, valid, lrHint, fileMessage, remember, setOptimizer, applyPreset, load, loadText, openFile, saveFile };
});
