import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src-services/data/load-dataset';
import { defaultRunsDirectory } from '../src-services/runs/paths';
import { RunStore } from '../src-services/runs/run-store';
import { RunSupervisor } from '../src-services/trainers/run-supervisor';
import { nodeTrainerFactory } from '../src-services/trainers/trainer-process';
import { WorkbenchService } from '../src-services/api/workbench-service';
import { parseRedisUrl, type RedisTarget } from '../src-services/queue/redis-url';
import { errorMessage } from '../src-shared/error-message';
import { SESSION_TOKEN_PATTERN, SESSION_TOKEN_RULE } from '../src-shared/web-session';
import { startWebHost } from './web-host';

const USAGE = `Usage: npm run web -- [options]

Serves the workbench in a browser: open the printed URL (it carries this session's token).

  --port N          port on 127.0.0.1 (default 5170; 0 picks a free one)
  --host ADDRESS    bind address (default 127.0.0.1; anything else exposes your runs to the network)
  --runs-dir DIR    the run store (default: the desktop app's)
  --concurrency N   runs training at once (default: the number of cores)
  --token TOKEN     a fixed session token (for scripts and tests; default: random)
  --queue URL       let the Sweeps view run sweeps on this Redis job queue (redis://HOST:PORT), trained by
                    \`npm run worker\` processes; off this machine the URL must carry a password
                    (redis://USER:PASSWORD@HOST:PORT) or REDIS_PASSWORD must be set
  -h, --help
`;

function fail(message: string): never {
  process.stderr.write(`npm run web: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function integerFlag(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) fail(`--${name} must be an integer from ${min} to ${max}, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'runs-dir': { type: 'string' },
        concurrency: { type: 'string' },
        token: { type: 'string' },
        queue: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(errorMessage(error));
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const port = integerFlag(values.port, 'port', 0, 65535, 5170);
  const concurrency = integerFlag(values.concurrency, 'concurrency', 1, 256, availableParallelism());
  if (values.token !== undefined && !SESSION_TOKEN_PATTERN.test(values.token)) fail(`--token must be ${SESSION_TOKEN_RULE}`);
  let sweepQueue: RedisTarget | undefined;
  try {
    sweepQueue = values.queue === undefined ? undefined : parseRedisUrl(values.queue);
  } catch (error) {
    fail(errorMessage(error));
  }
  const appVersion = process.env.npm_package_version ?? '0.0.0';
  const store = new RunStore(values['runs-dir'] ?? defaultRunsDirectory(), appVersion, undefined, { holder: 'the web host (npm run web)' });
  const factory = nodeTrainerFactory();
  const supervisor = new RunSupervisor(store, factory, { concurrency, reuseTrainers: true });
  const service = new WorkbenchService({
    supervisor,
    trainerFactory: factory,
    info: { mode: 'web', platform: process.platform, cores: availableParallelism(), runsDirectory: store.root, versions: { app: appVersion, node: process.versions.node } },
    ...(sweepQueue ? { sweepQueue } : {}),
  });
  await service.start();
  const host = await startWebHost({
    service,
    rendererDirectory: join(projectRoot(), 'out', 'renderer'),
    port,
    ...(values.host ? { host: values.host } : {}),
    ...(values.token ? { token: values.token } : {}),
  }).catch((error: unknown) => fail(errorMessage(error)));
  if (values.host && !['127.0.0.1', 'localhost', '::1'].includes(values.host)) {
    process.stderr.write(`warning: listening on ${values.host}: anyone who can reach it and has the URL can train and delete runs\n`);
  }
  process.stdout.write(`Backprop Workbench (web) — runs in ${store.root}\n${sweepQueue ? `Sweeps may run on the job queue at ${sweepQueue.shown}\n` : ''}Open ${host.url}\n`);
  let closing = false;
  const close = (): void => {
    if (closing) return;
    closing = true;
    process.stdout.write('stopping: active runs are saved as interrupted\n');
    void service
      .shutdown()
      .then(() => host.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`npm run web: stopping failed: ${errorMessage(error)}\n`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', close);
  process.on('SIGTERM', close);
}

void main();
