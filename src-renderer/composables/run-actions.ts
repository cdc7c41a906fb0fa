import { ref } from 'vue';
import { errorMessage, useApi } from '../api/client';
import { RESUMABLE_STATUSES, type RunStatus } from '../../src-shared/run-record';
import { downloadBlob, downloadText } from './download';
import { useNavigationStore } from '../stores/navigation';
import { metricsCsv, type RunRow } from '../stores/run-table';
import { ACTIVE_STATUSES, useRunsStore } from '../stores/runs';
import { useTrainingStore } from '../stores/training';
import { percent } from '../stores/run-format';

/** What a run's row offers: its actions menu and its primary button. */
export type RunAction = 'watch' | 'continue' | 'rename' | 'csv' | 'onnx' | 'folder' | 'delete';

export const exportable = (row: RunRow): boolean => row.status === 'completed' || row.status === 'stopped';
export const resumable = (row: RunRow): boolean => RESUMABLE_STATUSES.includes(row.status as RunStatus) && row.record?.resume?.possible !== false;
export const active = (row: RunRow): boolean => ACTIVE_STATUSES.includes(row.status as RunStatus);
/** Why a stopped, interrupted or failed run cannot continue (no checkpoint, a damaged one, an invalid config). */
export const cannotContinue = (row: RunRow): string | undefined => (row.record?.resume?.possible === false ? `Cannot continue: ${row.record.resume.reason}` : undefined);

/** The one action a row shows as a button (the rest are in its menu): Watch an active run, Continue a resumable one. */
export function primaryAction(row: RunRow): RunAction | undefined {
  if (!row.record) return undefined;
  if (active(row)) return 'watch';
  if (resumable(row)) return 'continue';
  return undefined;
}

export function onnxSummary(row: RunRow): string | undefined {
  const report = row.record?.onnx;
  if (!report) return undefined;
  if (!report.passed) return `ONNX export failed validation: ${report.problems.join('; ')}`;
  const difference = report.maxAbsDifference === null ? '' : `max |Δlogits| ${report.maxAbsDifference.toExponential(1)}, `;
  return `ONNX ✓ validated by onnxruntime on ${report.images} test images: ${difference}accuracy ${percent(report.onnxAccuracy)} (engine ${percent(report.engineAccuracy)}), ${(report.batchLatencyMs * 1000).toFixed(1)} µs/image batched, ${report.singleImageLatencyMs.toFixed(3)} ms single`;
}

/**
 * The Runs view's actions on one run (follow it, continue it, export it, open its folder, delete it) and what
 * each said, by run id.
 */
export function useRunActions() {
  const runs = useRunsStore();
  const training = useTrainingStore();
  const navigation = useNavigationStore();
  const api = useApi();
  const messages = ref<Record<string, { kind: 'ok' | 'error'; text: string }>>({});
  const exporting = ref<string | undefined>();

  function say(id: string, kind: 'ok' | 'error', text: string): void {
    messages.value = { ...messages.value, [id]: { kind, text } };
  }

  async function attempt(row: RunRow, action: () => Promise<void>, prefix = ''): Promise<void> {
    try {
      await action();
    } catch (error) {
      say(row.id, 'error', `${prefix}${errorMessage(error)}`);
    }
  }

  function follow(row: RunRow): void {
    training.follow(row.id);
    navigation.show('train');
  }

  const continueRun = (row: RunRow): Promise<void> =>
    attempt(row, async () => {
      const record = await runs.continueRun(row.id);
      training.follow(record.id);
      navigation.show('train');
    });

  const rename = (row: RunRow, name: string): Promise<boolean> =>
    runs.rename(row.id, name).then(
      () => true,
      (error: unknown) => {
        say(row.id, 'error', errorMessage(error));
        return false;
      },
    );

  const remove = (row: RunRow): Promise<void> => attempt(row, () => runs.remove(row.id));

  const openFolder = (row: RunRow): Promise<void> =>
    attempt(row, async () => {
      const result = await api.call('openRunFolder', { id: row.id });
      say(row.id, 'ok', result.opened ? `Opened ${result.path}` : `Folder: ${result.path}`);
    });

  const exportCsv = (row: RunRow): Promise<void> =>
    attempt(row, async () => {
      const metrics = await api.call('runMetrics', { id: row.id });
      downloadText(`${row.name.replace(/[^A-Za-z0-9._-]+/g, '-')}-metrics.csv`, metricsCsv(metrics), 'text/csv');
      say(row.id, 'ok', 'Metrics exported as CSV');
    });

  /** Export to ONNX, validated by onnxruntime; a failed validation is shown as such and nothing is saved. */
  async function exportOnnx(row: RunRow): Promise<void> {
    exporting.value = row.id;
    say(row.id, 'ok', 'Exporting to ONNX and validating it with onnxruntime on the test set…');
    await attempt(
      row,
      async () => {
        const result = await api.call('exportOnnx', { id: row.id });
        if (!result.report.passed) {
          say(row.id, 'error', `ONNX export failed validation, nothing saved: ${result.report.problems.join('; ')}`);
        } else if (api.mode === 'desktop') {
          say(row.id, 'ok', result.savedTo ? `Saved ${result.savedTo} (and model.onnx in the run's folder)` : `Validated; kept as ${result.modelPath}`);
        } else {
          const file = await api.call('onnxFile', { id: row.id });
          const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
          downloadBlob(file.fileName, new Blob([bytes], { type: 'application/octet-stream' }));
          say(row.id, 'ok', `Downloaded ${file.fileName}`);
        }
      },
      'ONNX export failed: ',
    );
    exporting.value = undefined;
  }

  return { messages, exporting, follow, continueRun, rename, remove, openFolder, exportCsv, exportOnnx };
}
