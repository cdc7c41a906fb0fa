#!/usr/bin/env node
import { ConfigError, type TrainConfig } from '../../src-shared/config';
import { loadConfiguredDataset } from '../data/dataset-source';
import { selectBackend } from '../engine/backends';
import { Trainer, type EvaluationRecord } from '../engine/trainer';
import { formatDuration, formatProgressBar } from './progress';
import { parseTrainArgs, TRAIN_USAGE } from './train-args';

/** `npm run train`: the headless trainer. Exit codes: 0 done, 1 failed or diverged, 2 bad input. */
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

  const loadStart = performance.now();
  const dataset = await loadConfiguredDataset(config.dataset);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  const { backend, warning } = selectBackend(config.backend);
  if (warning) process.stderr.write(`warning: ${warning}\n`);

  const trainer = new Trainer(config, dataset, backend);
  human.write(
    `${describe(config)} | ${dataset.name}: ${dataset.train.count} train / ${dataset.test.count} test (loaded in ${loadSeconds.toFixed(2)}s) | backend ${backend.name} ${config.dtype}\n`,
  );

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
  const result = trainer.run({
    onIteration(iteration, loss) {
      if (!interactive) return;
      const now = performance.now();
      if (now - lastDraw >= 100) {
        lastDraw = now;
        draw(iteration + 1, loss);
      }
    },
    onEvaluation(record) {
      lastEvaluation = record;
      const line =
        `iter ${String(record.iteration).padStart(6)} | epoch ${record.epoch.toFixed(2).padStart(6)} | ` +
        `train acc ${record.trainAccuracy.toFixed(4)} loss ${record.trainLoss.toFixed(4)} | ` +
        `test acc ${record.testAccuracy.toFixed(4)} loss ${record.testLoss.toFixed(4)}${record.final ? ' (final)' : ''}`;
      human.write(interactive ? `\r${line}\x1b[K\n` : `${line}\n`);
    },
  });
  if (interactive) human.write('\r\x1b[K');

  const summary = {
    status: result.status,
    trainAccuracy: result.trainAccuracy,
    testAccuracy: result.testAccuracy,
    lastLoss: result.lastLoss,
    iterations: result.iterations,
    seconds: round(result.seconds, 3),
    evaluationSeconds: round(result.evaluationSeconds, 3),
    evaluations: result.evaluations,
    iterationsPerSecond: round(result.iterationsPerSecond, 1),
    dataLoadSeconds: round(loadSeconds, 3),
    backend: backend.name,
    dtype: config.dtype,
    seed: config.seed,
  };
  human.write(
    `${result.status}: train ${result.trainAccuracy.toFixed(4)}, test ${result.testAccuracy.toFixed(4)} after ${result.iterations} iterations in ` +
      `${formatDuration(result.seconds)} (${result.iterationsPerSecond.toFixed(0)} it/s, evaluations ${result.evaluationSeconds.toFixed(2)}s)\n`,
  );
  if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (result.status === 'diverged') {
    process.stderr.write(`error: the loss became ${result.lastLoss} at iteration ${result.iterations}: training diverged (lower the learning rate)\n`);
    return 1;
  }
  return 0;
}

function describe(config: TrainConfig): string {
  const { network, optimizer, training } = config;
  const layers = [network.inputSize, ...network.hiddenSizes, network.outputSize].join('-');
  const length = training.iterations !== undefined ? `${training.iterations} iterations` : training.epochs !== undefined ? `${training.epochs} epochs` : '10000 iterations';
  return `${layers} ${network.activation} init ${network.weightInit} | ${optimizer.type} lr ${optimizer.lr} | batch ${training.batchSize} | ${length} | seed ${config.seed}`;
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message.split('\n')[0]}\n`);
    process.exitCode = error instanceof ConfigError || (error instanceof Error && error.name === 'DatasetError') ? 2 : 1;
  },
);
