import { Worker } from 'node:worker_threads';
import { errorMessage } from '../../src-shared/error-message';
import { OnnxModelError } from './model-error';
import { RUNNER_REPORT_FD, runnerCommandSchema, runnerSettingsSchema, type RunnerCommand, type RunnerReply, type RunnerSettings } from './runner-protocol';
import { OnnxClassifier, validateClassifier } from './validate-model';

/**
 * The ONNX runner: a child process of the host that inspects, loads and runs imported .onnx models, so
 * that neither decoding a model nor onnxruntime's work (which blocks its thread) ever runs on the host's
 * thread, and whatever a model does to memory happens here, under a cap. The host sets the time limits.
 */

/**
 * Samples this process's resident set from its own thread, which runs while onnxruntime blocks the main
 * one, and ends the process the moment it goes over the cap, after telling the host why.
 */
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss <= workerData.memoryCapBytes) return;
  try { writeSync(workerData.reportFd, JSON.stringify({ memoryExceeded: rss }) + '\\n'); } catch {}
  process.kill(process.pid, 'SIGKILL');
}, workerData.watchdogIntervalMs);
`;

function startWatchdog(settings: RunnerSettings): void {
  const watchdog = new Worker(WATCHDOG, { eval: true, workerData: { ...settings, reportFd: RUNNER_REPORT_FD }, resourceLimits: { maxOldGenerationSizeMb: 16 } });
  watchdog.unref();
}

interface Loaded {
  readonly classifier: OnnxClassifier;
  readonly bytes: number;
}

const models = new Map<string, Loaded>();

function loaded(modelId: string): Loaded {
  const model = models.get(modelId);
  if (!model) throw new Error(`no model ${modelId} is loaded in the ONNX runner`);
  return model;
}

async function serve(command: RunnerCommand): Promise<RunnerReply> {
  const { jobId } = command;
  switch (command.type) {
    case 'load': {
      await models.get(command.modelId)?.classifier.release();
      const classifier = await OnnxClassifier.load(command.bytes, command.source);
      models.set(command.modelId, { classifier, bytes: command.bytes.length });
      return { type: 'loaded', jobId, info: classifier.info };
    }
    case 'validate': {
      const { classifier, bytes } = loaded(command.modelId);
      return { type: 'validated', jobId, report: await validateClassifier(classifier, bytes, command.test, command.engineLogits) };
    }
    case 'predict': {
      const { classifier } = loaded(command.modelId);
      return { type: 'predicted', jobId, probabilities: await classifier.probabilities(command.pixels, 1) };
    }
    case 'release': {
      const model = models.get(command.modelId);
      models.delete(command.modelId);
      await model?.classifier.release();
      return { type: 'released', jobId };
    }
  }
}

function main(): void {
  const settings = runnerSettingsSchema.safeParse(JSON.parse(process.argv[2] ?? 'null'));
  if (!settings.success || !process.send) {
    process.stderr.write('the ONNX runner is started by a host, with its settings as its argument and an IPC channel\n');
    process.exit(2);
  }
  startWatchdog(settings.data);
  const send = (reply: RunnerReply): void => {
    process.send?.(reply);
  };
  // The host keeps one job in flight, so commands never interleave here.
  process.on('message', (message: unknown) => {
    const parsed = runnerCommandSchema.safeParse(message);
    if (!parsed.success) {
      process.stderr.write(`ONNX runner: invalid command from the host: ${parsed.error.issues[0]?.message ?? 'unknown'}\n`);
      process.exit(2);
    }
    const command = parsed.data;
    serve(command).then(send, (error: unknown) => {
      const refused = error instanceof OnnxModelError;
      send({ type: 'failed', jobId: command.jobId, message: refused ? error.message : `onnxruntime failed: ${errorMessage(error)}`, refused });
    });
  });
  // The host went away (or let this runner go): nothing is left to serve.
  process.on('disconnect', () => process.exit(0));
}

main();
