// A host process for the lock tests: a supervisor that trains one run in a trainer process started from
// the given entry, and prints "paused RUN_ID" when the run pauses (the pausing test entry pauses by itself),
// so a test can kill -9 this host at a known step. Its trainers share its stdout: when the test sees stdout
// close, the host and its trainers have all exited.
// Usage: node --import tsx supervisor-host.ts RUNS_ROOT CONFIG_JSON TRAINER_ENTRY [TRAINER_ARGS...]
import { parseTrainConfig } from '../../../src-shared/config';
import { RunStore } from '../../runs/run-store';
import { RunSupervisor } from '../run-supervisor';
import { nodeTrainerFactory } from '../trainer-process';

const [root, configJson, entry, ...args] = process.argv.slice(2);
const store = new RunStore(root!, '0.0.0-test', undefined, { holder: 'test host' });
const supervisor = new RunSupervisor(store, nodeTrainerFactory({ file: entry!, execArgv: [], args }), { concurrency: 1 });
supervisor.subscribe((event) => {
  if (event.kind === 'trainer' && event.event.type === 'paused') process.stdout.write(`paused ${event.runId}\n`);
});
await supervisor.enqueue(parseTrainConfig(JSON.parse(configJson!)));
