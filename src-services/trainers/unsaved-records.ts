import type { RunRecord } from '../../src-shared/run-record';
import type { RunClaim, RunStore } from '../runs/run-store';

/** The first wait before saving again a record a full disk refused, and the longest between tries. */
const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 60_000;

/**
 * Runs that ended while their final record could not be saved (a full disk). The store serves the record from
 * memory meanwhile; this keeps the runs' locks, so no other process acts on the stale files, and saves the
 * records again on a timer, backing off, until they are written; then the locks are released.
 */
export class UnsavedRecords {
  private readonly store: RunStore;
  private readonly saved: (record: RunRecord) => void;
  private readonly claims = new Map<string, RunClaim>();
  private timer: NodeJS.Timeout | undefined;
  private delay = RETRY_FIRST_MS;

  /** `saved` is told each record once it is on disk. */
  constructor(store: RunStore, saved: (record: RunRecord) => void) {
    this.store = store;
    this.saved = saved;
  }

  keep(id: string, claim: RunClaim): void {
    this.claims.set(id, claim);
    this.schedule();
  }

  /** Saves what it can now (a timer calls it; so can a test, or a user's retry). */
  async retry(): Promise<void> {
    const still = new Set(await this.store.saveUnsaved());
    for (const [id, claim] of [...this.claims]) {
      if (still.has(id)) continue;
      this.claims.delete(id);
      await claim.release();
      this.saved(await this.store.get(id));
    }
    if (this.claims.size === 0) this.delay = RETRY_FIRST_MS;
    else this.schedule();
  }

  /** A last try, then the locks go (app quit): the next session's recovery finds the runs interrupted. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.store.saveUnsaved();
    for (const claim of this.claims.values()) await claim.release();
    this.claims.clear();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.retry();
    }, this.delay);
    this.timer.unref();
    this.delay = Math.min(this.delay * 2, RETRY_MAX_MS);
  }
}
