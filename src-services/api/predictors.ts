import type { MemoryBudget } from '../../src-shared/memory-budget';
import { checkTrainingBudget } from '../limits/memory-budget';
import type { RunSupervisor } from '../trainers/run-supervisor';
import type { TrainerProcess, TrainerProcessFactory } from '../trainers/trainer-process';
import { UserError } from './errors';
import { networkInputSize } from '../../src-shared/network-config';

/** Loaded models kept warm for the Draw view (each is a trainer process holding one network). */
const PREDICTOR_CACHE_SIZE = 2;

/** Trainer processes holding finished runs' networks, for predictions: the most recent few stay loaded. */
export class PredictorPool {
  private readonly supervisor: RunSupervisor;
  private readonly factory: TrainerProcessFactory;
  private readonly loaded = new Map<string, Promise<TrainerProcess>>();
  private readonly inputSizes = new Map<string, number>();
  private readonly budget: MemoryBudget;

  constructor(supervisor: RunSupervisor, factory: TrainerProcessFactory, budget: MemoryBudget) {
    this.supervisor = supervisor;
    this.factory = factory;
    this.budget = budget;
  }

  /** The run's network input size, read once: the Draw view predicts while the user draws, and a run's config never changes. */
  async inputSize(id: string): Promise<number> {
    let inputs = this.inputSizes.get(id);
    if (inputs === undefined) {
      inputs = networkInputSize((await this.supervisor.store.get(id)).config.network);
      this.inputSizes.set(id, inputs);
    }
    return inputs;
  }

  /** A trainer process holding the run's network: the live one while it trains, else its checkpoint loaded. */
  async processFor(id: string): Promise<TrainerProcess> {
    const live = this.supervisor.processOf(id);
    if (live) return live;
    const cached = this.loaded.get(id);
    if (cached) return cached;
    const store = this.supervisor.store;
    const record = await store.get(id);
    if (!(await store.hasCheckpoint(id))) throw new UserError(`run "${record.name}" has no saved weights yet`);
    // Loading builds the whole training state (weights, optimizer state): it must fit, as the run had to.
    checkTrainingBudget(record.config, this.budget, `run "${record.name}"`);
    const loading = new Promise<TrainerProcess>((resolve, reject) => {
      const process = this.factory();
      process.onEvent((event) => {
        if (event.type === 'loaded') resolve(process);
        else if (event.type === 'failed') reject(new Error(`could not load run "${record.name}": ${event.reason}`));
      });
      process.onExit(() => {
        reject(new Error(`the process holding run "${record.name}" ended`));
        if (this.loaded.get(id) === loading) this.loaded.delete(id);
      });
      process.send({ type: 'load', config: record.config, directory: store.directory(id) });
    });
    this.loaded.set(id, loading);
    loading.catch(() => this.loaded.delete(id));
    while (this.loaded.size > PREDICTOR_CACHE_SIZE) {
      // Maps keep insertion order: the first key is the least recently loaded.
      const [oldest] = this.loaded.keys();
      if (oldest === undefined) break;
      await this.drop(oldest);
    }
    return loading;
  }

  /** Ends the process holding the run's network, if one is loaded (before the run is deleted). */
  async drop(id: string): Promise<void> {
    const pending = this.loaded.get(id);
    this.loaded.delete(id);
    if (pending) await pending.then((p) => p.kill(), () => undefined);
  }

  shutdown(): void {
    for (const pending of this.loaded.values()) void pending.then((p) => p.kill(), () => undefined);
    this.loaded.clear();
  }
}
