import { onBeforeUnmount, onMounted } from 'vue';

export interface Shortcut {
  /** e.g. "Ctrl+Enter", "Ctrl+Shift+P", "Alt+1"; Ctrl also matches Cmd on macOS. */
  readonly keys: string;
  readonly run: () => void;
}

function matchesShortcut(event: KeyboardEvent, keys: string): boolean {
  const parts = keys.split('+');
  const key = parts.pop()!;
  const wants = new Set(parts);
  const pressedKey = event.key.length === 1 ? event.key.toUpperCase() : event.key;
  // Alt+digit: match the physical key, since Alt changes event.key on some layouts.
  const digit = /^[0-9]$/.test(key) && event.code === `Digit${key}`;
  return (
    (pressedKey === key.toUpperCase() || pressedKey === key || digit) &&
    (event.ctrlKey || event.metaKey) === wants.has('Ctrl') &&
    event.shiftKey === wants.has('Shift') &&
    event.altKey === wants.has('Alt')
  );
}

/** Window-wide keyboard shortcuts for as long as the calling component lives. */
export function useShortcuts(shortcuts: readonly Shortcut[]): void {
  const onKey = (event: KeyboardEvent): void => {
    const hit = shortcuts.find((s) => matchesShortcut(event, s.keys));
    if (hit) {
      event.preventDefault();
      hit.run();
    }
  };
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
