import { defineStore } from 'pinia';
import { ref } from 'vue';

export const VIEWS = [
  { id: 'network', label: 'Network' },
  { id: 'train', label: 'Train' },
  { id: 'runs', label: 'Runs' },
  { id: 'draw', label: 'Draw' },
  { id: 'gradient-check', label: 'Gradient check' },
  { id: 'graph', label: 'Graph' },
  { id: 'sweeps', label: 'Sweeps' },
  { id: 'inspect', label: 'Inspect' },
] as const;

export type ViewId = (typeof VIEWS)[number]['id'];

/** Which view is shown; kept in the URL hash so a reload stays where the user was. */
export const useNavigationStore = defineStore('navigation', () => {
  const fromHash = VIEWS.find((v) => `#${v.id}` === window.location.hash)?.id;
  const view = ref<ViewId>(fromHash ?? 'network');
  function show(id: ViewId): void {
    view.value = id;
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}#${id}`);
  }
  return { view, show };
});
