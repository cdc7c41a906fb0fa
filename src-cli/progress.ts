/** Terminal progress output: a redrawn bar on a TTY, plain lines otherwise. */
export interface ProgressState {
  readonly iteration: number;
  readonly total: number;
  readonly loss: number;
  readonly trainAccuracy?: number;
  readonly testAccuracy?: number;
  readonly elapsedSeconds: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m < 60 ? `${m}m${String(s).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function formatProgressBar(state: ProgressState, width = 24): string {
  const fraction = state.total > 0 ? Math.min(1, state.iteration / state.total) : 1;
  const filled = Math.round(fraction * width);
  const rate = state.elapsedSeconds > 0 ? state.iteration / state.elapsedSeconds : 0;
  const eta = rate > 0 ? (state.total - state.iteration) / rate : NaN;
  const accuracy =
    state.trainAccuracy === undefined ? '' : ` | acc ${state.trainAccuracy.toFixed(4)}/${(state.testAccuracy ?? NaN).toFixed(4)}`;
  return (
    `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ` +
    `${state.iteration}/${state.total} | loss ${state.loss.toFixed(4)}${accuracy} | ${rate.toFixed(0)} it/s | ETA ${formatDuration(eta)}`
  );
}
