import { computed, onBeforeUnmount, onMounted, ref, type ComputedRef, type Ref } from 'vue';

/** The rows a scrolled list shows: indices [start, end), and the space above and below them in pixels. */
export interface RowWindow {
  readonly start: number;
  readonly end: number;
  readonly before: number;
  readonly after: number;
}

/**
 * The rows of `count` rows of `rowHeight` pixels that a viewport of `height` pixels scrolled to `scrollTop`
 * shows, with `overscan` more on each side (so a fast scroll does not show blank space for a frame).
 */
export function rowWindow(scrollTop: number, height: number, rowHeight: number, count: number, overscan = 6): RowWindow {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, first + Math.ceil(Math.max(0, height) / rowHeight) + 1 + overscan);
  return { start, end: Math.max(start, end), before: start * rowHeight, after: (count - Math.max(start, end)) * rowHeight };
}

/** The scroll position that shows row `index` whole, moving as little as possible from `scrollTop`. */
export function scrollTopShowing(index: number, scrollTop: number, height: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + height) return Math.max(0, top + rowHeight - height);
  return scrollTop;
}

/** Before the viewport is laid out (a hidden view), a window as tall as a screen's worth of rows. */
const UNMEASURED_HEIGHT = 800;

/**
 * A virtual list over a scrolling element whose rows have one fixed height, under a sticky `header` (measured,
 * as fonts decide its height): which rows to put in the DOM, and a way to scroll one into view.
 */
export function useVirtualRows(
  element: Ref<HTMLElement | undefined>,
  header: Ref<HTMLElement | undefined>,
  count: Ref<number>,
  rowHeight: number,
): { window: ComputedRef<RowWindow>; onScroll: () => void; reveal: (index: number) => void; pageRows: ComputedRef<number> } {
  const scrollTop = ref(0);
  const height = ref(0);
  const headerHeight = ref(0);
  const bodyHeight = computed(() => (height.value > headerHeight.value ? height.value - headerHeight.value : UNMEASURED_HEIGHT));
  let observer: ResizeObserver | undefined;
  onMounted(() => {
    observer = new ResizeObserver(() => {
      height.value = element.value?.clientHeight ?? 0;
      headerHeight.value = header.value?.offsetHeight ?? 0;
    });
    if (element.value) observer.observe(element.value);
    if (header.value) observer.observe(header.value);
  });
  onBeforeUnmount(() => observer?.disconnect());
  return {
    window: computed(() => rowWindow(scrollTop.value, bodyHeight.value, rowHeight, count.value)),
    pageRows: computed(() => Math.max(1, Math.floor(bodyHeight.value / rowHeight))),
    onScroll: () => {
      scrollTop.value = element.value?.scrollTop ?? 0;
    },
    reveal: (index) => {
      const target = element.value;
      if (!target) return;
      const next = scrollTopShowing(index, target.scrollTop, bodyHeight.value, rowHeight);
      if (next !== target.scrollTop) {
        target.scrollTop = next;
        scrollTop.value = next;
      }
    },
  };
}
