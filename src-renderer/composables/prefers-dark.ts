import { onBeforeUnmount, ref, type Ref } from 'vue';

/** Follows the OS colour scheme, for the charts (the CSS follows it by itself). */
export function usePrefersDark(): Ref<boolean> {
  const query = window.matchMedia('(prefers-color-scheme: dark)');
  const dark = ref(query.matches);
  const update = (event: MediaQueryListEvent): void => {
    dark.value = event.matches;
  };
  query.addEventListener('change', update);
  onBeforeUnmount(() => query.removeEventListener('change', update));
  return dark;
}
