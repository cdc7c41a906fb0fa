import { ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { errorMessage } from '../api/client';

/** The answer to the latest request asked, the request it answers, and what is happening. */
export interface LatestRequest<Q, A> {
  readonly result: ShallowRef<A | undefined>;
  /** The request `result` answers (the one on screen may be older than the one waiting). */
  readonly answered: ShallowRef<Q | undefined>;
  readonly pending: Ref<boolean>;
  readonly error: Ref<string | undefined>;
  /** Asks; while a request is in flight only the latest one asked waits. */
  ask(request: Q): void;
  /** Forgets the result and any waiting request (one in flight is answered into the void). */
  clear(): void;
}

/**
 * One request in flight at a time; while it is, only the latest one waits. Drawing asks on every stroke, so this
 * bounds the requests without a timer, and what shows is always the answer to the newest request sent. A failure
 * clears the result and says `${failure}: <the host's reason>`.
 */
export function latestRequest<Q, A>(send: (request: Q) => Promise<A>, failure: string): LatestRequest<Q, A> {
  const result = shallowRef<A | undefined>();
  const answered = shallowRef<Q | undefined>();
  const pending = ref(false);
  const error = ref<string | undefined>();
  let waiting: { request: Q } | undefined;
  let inFlight = false;
  /** Bumped by clear: answers to older requests are dropped. */
  let epoch = 0;

  async function drain(): Promise<void> {
    inFlight = true;
    pending.value = true;
    while (waiting) {
      const { request } = waiting;
      waiting = undefined;
      const started = epoch;
      try {
        const answer = await send(request);
        if (started === epoch) {
          result.value = answer;
          answered.value = request;
          error.value = undefined;
        }
      } catch (e) {
        if (started === epoch) {
          result.value = undefined;
          answered.value = undefined;
          error.value = `${failure}: ${errorMessage(e)}`;
        }
      }
    }
    inFlight = false;
    pending.value = false;
  }

  return {
    result,
    answered,
    pending,
    error,
    ask(request) {
      waiting = { request };
      if (!inFlight) void drain();
    },
    clear() {
      epoch++;
      waiting = undefined;
      result.value = undefined;
      answered.value = undefined;
      error.value = undefined;
    },
  };
}
