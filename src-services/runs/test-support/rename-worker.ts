// A second process for the run store's concurrency tests: renames the given runs `count` times each, one
// after the other per run ("child-0", "child-1", ...), while the test process rewrites the same runs.
// Usage: node --import tsx rename-worker.ts ROOT COUNT ID...
import { RunStore } from '../run-store';

const [root, count, ...ids] = process.argv.slice(2);
const store = new RunStore(root!, '0.0.0-test', undefined, { holder: 'rename worker' });
await Promise.all(
  ids.map(async (id) => {
    for (let i = 0; i < Number(count); i++) await store.rename(id, `child-${i}`);
  }),
);
process.stdout.write('done\n');
