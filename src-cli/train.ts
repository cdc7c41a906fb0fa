#!/usr/bin/env node
import type { TrainConfig } from '../src-shared/config';
import { runSummary } from '../src-shared/run-record';
import { STALL_RULE, stalledAtChance } from '../src-shared/stalled';
import { loadConfiguredDataset } from '../src-services/data/dataset-source';
import { checkTrainingBudget, memoryBudget } from '../src-services/limits/memory-budget';
import { selectBackend } from '../src-services/backends/select-backend';
import type { EvaluationRecord } from '../src-engine/training/evaluation-record';
import { Trainer } from '../src-engine/training/trainer';
import { defaultRunsDirectory } from '../src-services/runs/paths';
import { RunRecorder } from '../src-services/runs/run-recorder';
import { RunStore, type RunClaim } from '../src-services/runs/run-store';
import { errorMessage } from '../src-shared/error-message';
import { exportTrainerToOnnx } from '../src-services/onnx/export-run';
import { describeOnnxReport } from '../src-services/onnx/report-text';
import { writeFile } from 'node:fs/promises';
import { formatDuration, formatProgressBar } from './progress';
import { runCli } from './run-cli';
import { onStopSignals } from './stop-signals';
import { parseTrainArgs, TRAIN_USAGE } from './train-args';
import { trainInSlices } from './train-loop';
import { networkClasses, networkLabel } from '../src-shared/network-config';

/**
 * The run this command trains, under its lock: whatever fails after it is created (a full disk, an exception)
 * ends it "failed" with the reason, and the lock is released on the way out.
 */
let saving: { store: RunStore; id: string; claim: RunClaim; finished: boolean } | undefined;

async function mainRecordingFailure(argv: readonly string[]): Promise<number> {
  try {
    return await main(argv);
  } catch (error) {
    if (saving && !saving.finished) {
      await saving.store.update(saving.id, { status: 'failed', reason: errorMessage(error), finishedAt: new Date().toISOString() }).catch(() => undefined);
    }
    throw error;
  } finally {
    await saving?.claim.release().catch(() => undefined);
  }
}

/** `npm run train`: the headless trainer. Exit codes: 0 done, 1 failed or diverged, 2 bad input, 130 stopped (Ctrl+C). */
async function main(argv: readonly string[]): Promise<number> {
  const options = await parseTrainArgs(argv);
  if (options.help) {
    process.stdout.write(TRAIN_USAGE);
    return 0;
  }
  const { config } = options;
  // With --json, stdout carries only the summary; everything human goes to stderr.
  const human = options.json ? process.stderr : process.stdout;
  const interactive = Boolean(human.isTTY);
  // Refused before the dataset is read or a network allocated.
  checkTrainingBudget(config, memoryBudget(options.memoryBudget));

  const loadStart = performance.now();
  const dataset = await loadConfiguredDataset(config.dataset);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const { backend, warning } = selectBackend(config.backend);
  if (warning) process.stderr.write(`warning: ${warning}\n`);

  // Setting up the network and the batches' input (MNIST: its nonzero pixels, encoded once) is reported apart.
  const setupStart = performance.now();
  const trainer = new Trainer(config, dataset, backend, { input: options.input });
  const setupSeconds = (performance.now() - setupStart) / 1000;
  human.write(
    `${describe(config)} | ${dataset.name}: ${dataset.train.count} train / ${dataset.test.count} test (loaded in ${loadSeconds.toFixed(2)}s, set up in ${setupSeconds.toFixed(2)}s) | backend ${backend.name} ${config.dtype}, ${trainer.inputFormat} input\n`,
  );

  // Ctrl+C (or SIGTERM) ends the run cleanly between two steps: stored as stopped, with its checkpoint, resumable.
  const stop = onStopSignals({
    write: (text) => human.write(text),
    firstNote: '\nstopping after this step (Ctrl+C again to quit at once)...\n',
    secondNote: '\nquitting at once: the run keeps its last checkpoint\n',
  });
  const store = options.save ? new RunStore(options.runsDirectory ?? defaultRunsDirectory(), appVersion(), undefined, { holder: 'npm run train' }) : undefined;
  const created = store ? await store.createClaimed(config, { backend: backend.name }, 'train') : undefined;
  const run = created?.record;
  if (store && created) saving = { store, id: created.record.id, claim: created.claim, finished: false };
  const recorder = store && run ? new RunRecorder(store.directory(run.id), trainer) : undefined;
  if (store && run) await store.update(run.id, { status: 'running' });
  let bestTestAccuracy: number | null = null;

  const started = performance.now();
  let lastDraw = 0;
  let lastEvaluation: EvaluationRecord | undefined;
  const draw = (iteration: number, loss: number): void => {
    human.write(
      `\r${formatProgressBar({
        iteration,
        total: trainer.totalIterations,
        loss,
        trainAccuracy: lastEvaluation?.trainAccuracy,
        testAccuracy: lastEvaluation?.testAccuracy,
        elapsedSeconds: (performance.now() - started) / 1000,
      })}\x1b[K`,
    );
  };
  /** The latest evaluations, as many as the stall rule reads. */
  const recentEvaluations: EvaluationRecord[] = [];
  const result = await trainInSlices(trainer, {
    shouldStop: () => stop.requested,
    onIteration(iteration, loss) {
      recorder?.loss(iteration, loss);
      if (!interactive) return;
      const now = performance.now();
      if (now - lastDraw >= 100) {
        lastDraw = now;
        draw(iteration + 1, loss);
      }
    },
    onEvaluation(record) {
      lastEvaluation = record;
      recentEvaluations.push(record);
      if (recentEvaluations.length > STALL_RULE.evaluations) recentEvaluations.shift();
      recorder?.evaluation(record);
      if (Number.isFinite(record.testAccuracy)) bestTestAccuracy = Math.max(bestTestAccuracy ?? 0, record.testAccuracy);
      const line =
        `iter ${String(record.iteration).padStart(6)} | epoch ${record.epoch.toFixed(2).padStart(6)} | ` +
        `train acc ${record.trainAccuracy.toFixed(4)} loss ${record.trainLoss.toFixed(4)} | ` +
        `test acc ${record.testAccuracy.toFixed(4)} loss ${record.testLoss.toFixed(4)}${record.final ? ' (final)' : ''}`;
      human.write(interactive ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  });
  if (interactive) human.write('\r\x1b[K');
  recorder?.end(result.status === 'diverged');
  // Completed (or stopped) stuck at chance: said in the summary and kept with the run.
  const stalled = result.status === 'diverged' ? undefined : stalledAtChance(recentEvaluations, networkClasses(config.network));
  if (store && run) {
    await store.update(run.id, {
      status: result.status,
      finishedAt: new Date().toISOString(),
      ...(result.status === 'diverged' ? { reason: `the loss became ${result.lastLoss} at iteration ${result.iterations}` } : {}),
      summary: runSummary(result, bestTestAccuracy),
      ...(stalled ? { stalled } : {}),
    });
    if (saving) saving.finished = true;
  }
  // The run is on record: from here Ctrl+C quits at once again.
  stop.dispose();

  const summary = {
    status: result.status,
    stalled: stalled ?? null,
    trainAccuracy: result.trainAccuracy,
    testAccuracy: result.testAccuracy,
    lastLoss: result.lastLoss,
    iterations: result.iterations,
    seconds: round(result.seconds, 3),
    evaluationSeconds: round(result.evaluationSeconds, 3),
    evaluations: result.evaluations,
    iterationsPerSecond: round(result.iterationsPerSecond, 1),
    dataLoadSeconds: round(loadSeconds, 3),
    setupSeconds: round(setupSeconds, 3),
    input: trainer.inputFormat,
    backend: backend.name,
    dtype: config.dtype,
    seed: config.seed,
    runId: run?.id ?? null,
    runDirectory: store && run ? store.directory(run.id) : null,
  };
  human.write(
    `${result.status}: train ${result.trainAccuracy.toFixed(4)}, test ${result.testAccuracy.toFixed(4)} after ${result.iterations} iterations in ` +
      `${formatDuration(result.seconds)} (${result.iterationsPerSecond.toFixed(0)} it/s, evaluations ${result.evaluationSeconds.toFixed(2)}s)\n`,
  );
  if (stalled) human.write(`stalled: ${stalled}\n`);
  let exportFailed = false;
  if (options.exportPath && result.status !== 'diverged') {
    human.write(`exporting to ${options.exportPath} and validating with onnxruntime...\n`);
    const exported = await exportTrainerToOnnx(trainer, dataset, { appVersion: appVersion(), ...(run ? { runId: run.id, runName: run.name } : {}) });
    human.write(`${describeOnnxReport(exported.report)}\n`);
    if (store && run) await store.saveExport(run.id, exported.report.passed ? exported.model : null, exported.report);
    if (exported.report.passed) await writeFile(options.exportPath, exported.model);
    else {
      exportFailed = true;
      process.stderr.write(`error: ${options.exportPath} not written: the exported model failed validation\n`);
    }
    Object.assign(summary, { onnx: { ...exported.report, path: exported.report.passed ? options.exportPath : null } });
  }
  if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (exportFailed) return 1;
  if (result.status === 'diverged') {
    process.stderr.write(`error: the loss became ${result.lastLoss} at iteration ${result.iterations}: training diverged (lower the learning rate)\n`);
    return 1;
  }
  return result.status === 'stopped' ? 130 : 0;
}

function describe(config: TrainConfig): string {
  const { network, optimizer, training } = config;
  const length = training.iterations !== undefined ? `${training.iterations} iterations` : training.epochs !== undefined ? `${training.epochs} epochs` : '10000 iterations';
  return `${networkLabel(network)} init ${network.weightInit} | ${optimizer.type} lr ${optimizer.lr} | batch ${training.batchSize} | ${length} | seed ${config.seed}`;
}

function appVersion(): string {
  return process.env.npm_package_version ?? '0.0.0';
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

runCli(mainRecordingFailure, { inputErrors: ['ConfigError', 'DatasetError', 'FlagError'] });
