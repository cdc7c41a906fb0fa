import { ref } from 'vue';
import { errorMessage } from '../api/client';

/** A user action against the host: `busy` while it runs, its failure's message in `error`. */
export function useAction() {
  const busy = ref(false);
  const error = ref<string | undefined>();
  async function act(action: () => Promise<unknown>): Promise<void> {
    busy.value = true;
    error.value = undefined;
    try {
      await action();
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, act };
}
