#!/usr/bin/env node
import { writeFile } from 'node:fs/promises';
import type { DatasetConfig } from '../src-shared/config';
import type { OnnxReport } from '../src-shared/run-record';
import { loadConfiguredDataset } from '../src-services/data/dataset-source';
import { selectBackend } from '../src-services/backends/select-backend';
import { Trainer } from '../src-engine/training/trainer';
import { exportTrainerToOnnx } from '../src-services/onnx/export-run';
import { describeOnnxReport } from '../src-services/onnx/report-text';
import { OnnxRunner } from '../src-services/onnx/onnx-runner';
import { FileRefusal } from '../src-services/limits/bounded-file';
import { readModelFile } from '../src-services/onnx/read-model-file';
import { restoreCheckpoint } from '../src-services/runs/checkpoint-fit';
import { defaultRunsDirectory } from '../src-services/runs/paths';
import { RunStore } from '../src-services/runs/run-store';
import { checkTrainingBudget, memoryBudget } from '../src-services/limits/memory-budget';
import { checkExportTarget, checkRunsDirectory } from './export-target';
import { parseFlags } from './flag-values';
import { runCli, UsageError } from './run-cli';

const USAGE = `Usage:
  npm run export -- --run ID --out model.onnx   export a stored run, validated by onnxruntime on the test set
  npm run export -- --check model.onnx          validate any .onnx MLP or conv net on a test set (accuracy, latency);
                                                 refused, with the reason, if it breaks this app's limits

Options:
  --runs-dir DIR   the run store (default: the desktop app's)
  --dataset DIR    with --check: an IDX folder for the test set (default: the bundled MNIST)
  --json           print the validation report as JSON on stdout
  -h, --help
`;

const appVersion = (): string => process.env.npm_package_version ?? '0.0.0';

/** Exports under the run's lock: no other process trains or rewrites the run between reading its weights and storing the export. */
async function exportRun(store: RunStore, id: string, out: string, log: NodeJS.WritableStream): Promise<OnnxReport> {
  await store.get(id);
  const claim = await store.claim(id, 'write');
  try {
    return await exportClaimed(store, id, out, log);
  } finally {
    await claim.release();
  }
}

async function exportClaimed(store: RunStore, id: string, out: string, log: NodeJS.WritableStream): Promise<OnnxReport> {
  const record = await store.get(id);
  // The run's whole training state is rebuilt to export it: it must fit, before the checkpoint is read.
  checkTrainingBudget(record.config, memoryBudget(), `run "${record.name}"`);
  const checkpoint = await store.readCheckpoint(id);
  if (!checkpoint) throw new UsageError(`run ${id} has no checkpoint to export`);
  const dataset = await loadConfiguredDataset(record.config.dataset);
  const { backend, warning } = selectBackend(record.config.backend);
  if (warning) process.stderr.write(`warning: ${warning}\n`);
  const trainer = new Trainer(record.config, dataset, backend);
  restoreCheckpoint(trainer, checkpoint);
  log.write(`exporting run "${record.name}" (${trainer.iteration} iterations) and validating it with onnxruntime...\n`);
  const { model, report } = await exportTrainerToOnnx(trainer, dataset, { appVersion: appVersion(), runId: id, runName: record.name });
  await store.saveExport(id, report.passed ? model : null, report);
  if (report.passed) await writeFile(out, model);
  return report;
}

async function main(argv: readonly string[]): Promise<number> {
  const values = parseFlags(argv, { run: { type: 'string' }, out: { type: 'string' }, check: { type: 'string' }, 'runs-dir': { type: 'string' }, dataset: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, (message) => new UsageError(message));
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = values.json ? process.stderr : process.stdout;
  let report: OnnxReport;
  if (values.check) {
    if (values.run || values.out || values['runs-dir']) throw new UsageError('--check validates a file; it does not take --run, --out or --runs-dir');
    const file = values.check;
    const bytes = await readModelFile(file).catch((error: unknown) => {
      throw error instanceof FileRefusal ? new UsageError(error.message) : error;
    });
    const datasetConfig: DatasetConfig = values.dataset ? { kind: 'idx', path: values.dataset } : { kind: 'mnist' };
    const dataset = await loadConfiguredDataset(datasetConfig);
    // The same runner as the app's imports: checked before onnxruntime sees it, run in its own process
    // under a time limit and a memory cap.
    const runner = new OnnxRunner();
    try {
      report = await runner.check(bytes, file, dataset.test);
    } finally {
      runner.close();
    }
  } else {
    if (!values.run || !values.out) throw new UsageError('give --run ID and --out FILE.onnx, or --check FILE.onnx');
    if (values.dataset) throw new UsageError('--dataset is for --check: an export is validated on its own run\'s dataset');
    // Found before the export and its validation run, not after.
    await checkExportTarget(values.out, '--out');
    if (values['runs-dir'] !== undefined) await checkRunsDirectory(values['runs-dir']);
    report = await exportRun(new RunStore(values['runs-dir'] ?? defaultRunsDirectory(), appVersion(), undefined, { holder: 'npm run export' }), values.run, values.out, log);
  }
  log.write(`${describeOnnxReport(report)}\n`);
  if (values.out && report.passed) log.write(`wrote ${values.out}\n`);
  if (values.out && !report.passed) process.stderr.write(`error: ${values.out} not written: the model failed validation\n`);
  if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  return report.passed ? 0 : 1;
}

runCli(main, { usage: USAGE, inputErrors: ['UsageError', 'OnnxModelError', 'DatasetError', 'RunStoreError', 'RunLockedError', 'CheckpointMismatch', 'CheckpointError', 'FlagError', 'ConfigError'] });
