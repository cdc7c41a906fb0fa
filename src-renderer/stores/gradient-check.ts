import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { GRADIENT_CHECK_CANCELLED, type GradientCheckReport } from '../../src-shared/api';
import { errorMessage, useApi } from '../api/client';
import { useConfigStore } from './config';
import { DEFAULT_SAMPLES, samplesProblem, summarizeConfig, type CheckedConfigSummary } from './gradient-check-report';

/** How often the elapsed counter ticks while a check runs. */
const TICK_MS = 200;

/** A finished check and what it was run for (the config may have changed since). */
export interface GradientCheckResult {
  readonly report: GradientCheckReport;
  readonly summary: CheckedConfigSummary;
  readonly samples: number;
}

/** How the last check ended, for the status line (errors are in `error`). */
export type GradientCheckOutcome =
  | { readonly kind: 'done'; readonly seconds: number }
  | { readonly kind: 'cancelled'; readonly seconds: number };

/** The Gradient check view's state: one check at a time, for the Network view's current config. */
export const useGradientCheckStore = defineStore('gradient-check', () => {
  const configStore = useConfigStore();

  /** Bound to the number input: a number, or the raw text when it does not parse. */
  const samples = ref<number | string>(DEFAULT_SAMPLES);
  const samplesError = computed(() => samplesProblem(samples.value));
  const running = ref(false);
  const cancelling = ref(false);
  /** performance.now() when the running check started. */
  const startedAt = ref<number | undefined>();
  /** The samples of the running check (the field may be edited meanwhile). */
  const activeSamples = ref<number | undefined>();
  const elapsedSeconds = ref(0);
  const result = ref<GradientCheckResult | undefined>();
  const outcome = ref<GradientCheckOutcome | undefined>();
  /** Why the last Run or Cancel failed, shown next to those buttons. */
  const error = ref<string | undefined>();

  /** What a check would run for now; undefined while the Network view has errors. */
  const currentSummary = computed(() => (configStore.config ? summarizeConfig(configStore.config) : undefined));

  let timer: ReturnType<typeof setInterval> | undefined;

  function tick(): void {
    if (startedAt.value !== undefined) elapsedSeconds.value = (performance.now() - startedAt.value) / 1000;
  }

  function stopTimer(): void {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  }

  /** Runs the check; resolves when it has finished, failed or been cancelled (never rejects). */
  async function run(): Promise<void> {
    if (running.value) return;
    error.value = undefined;
    const config = configStore.config;
    if (!config) {
      const fields = Object.entries(configStore.errors)
        .slice(0, 3)
        .map(([field, message]) => `${field}: ${message}`);
      error.value =
        'The network config has errors: fix the fields marked in red in the Network view, then run the check again.' +
        (fields.length ? ` (${fields.join('; ')})` : '');
      return;
    }
    const problem = samplesError.value;
    if (problem) {
      error.value = `Cannot run: ${problem}`;
      return;
    }
    const count = Number(samples.value);
    const summary = summarizeConfig(config);

    running.value = true;
    cancelling.value = false;
    result.value = undefined;
    outcome.value = undefined;
    activeSamples.value = count;
    startedAt.value = performance.now();
    elapsedSeconds.value = 0;
    stopTimer();
    timer = setInterval(tick, TICK_MS);
    try {
      const report = await useApi().call('gradientCheck', { config, samples: count });
      result.value = { report, summary, samples: count };
      outcome.value = { kind: 'done', seconds: report.seconds };
    } catch (e) {
      tick();
      const message = errorMessage(e);
      if (message === GRADIENT_CHECK_CANCELLED || (cancelling.value && /cancel/i.test(message))) {
        outcome.value = { kind: 'cancelled', seconds: elapsedSeconds.value };
      } else {
        error.value = `Gradient check failed: ${message}`;
      }
    } finally {
      stopTimer();
      tick();
      running.value = false;
      cancelling.value = false;
      startedAt.value = undefined;
      activeSamples.value = undefined;
    }
  }

  /** Asks the host to stop the running check; the pending run() then ends as cancelled. */
  async function cancel(): Promise<void> {
    if (!running.value || cancelling.value) return;
    cancelling.value = true;
    try {
      await useApi().call('cancelGradientCheck', {});
    } catch (e) {
      cancelling.value = false;
      error.value = `Could not cancel the gradient check: ${errorMessage(e)}`;
    }
  }

  return {
    samples,
    samplesError,
    running,
    cancelling,
    startedAt,
    activeSamples,
    elapsedSeconds,
    result,
    outcome,
    error,
    currentSummary,
    run,
    cancel,
  };
});
