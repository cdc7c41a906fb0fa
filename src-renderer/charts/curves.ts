import type { RunCurve } from '../../src-shared/api';
import type { LossBuckets } from '../../src-shared/series/buckets';
import type { LossSeries } from './loss-series';

/** What a chart shows of a curve: iterations [from, to) in about `points` buckets, with this smoothing. */
export interface CurveWindow {
  readonly from: number;
  /** Infinity: to the end, however far the run has got. */
  readonly to: number;
  readonly points: number;
  readonly smoothing: number;
}

/** (iteration, seconds) pairs: when the run had reached that iteration. */
export type TimeAnchors = ReadonlyArray<readonly [number, number]>;

export interface CurveData {
  /** Losses the run has recorded (the last iteration + 1). */
  readonly iterations: number;
  readonly buckets: LossBuckets;
  /** Seconds since the run's first recorded losses, where known; empty for runs stored without times. */
  readonly times: TimeAnchors;
}

/**
 * A loss curve a chart can draw at any zoom: a live run's series in the page (answered at once), or a
 * stored run read by the host on request (answered when the host replies; meanwhile the last answer).
 */
export interface LossCurve {
  view(window: CurveWindow): CurveData | undefined;
}

/** A run's curve held in the page (see LossSeries): any window is answered at once, in O(points). */
export function liveCurve(series: LossSeries, times: TimeAnchors): LossCurve {
  return {
    view(window) {
      series.setSmoothing(window.smoothing);
      return { iterations: series.length, buckets: series.buckets(window.from, Math.min(window.to, series.length), window.points), times };
    },
  };
}

/** An answer fits a window when it covers the same range and smoothing at between half and twice the points. */
function fits(answered: CurveWindow, wanted: CurveWindow): boolean {
  return answered.from === wanted.from && answered.to === wanted.to && answered.smoothing === wanted.smoothing && answered.points >= wanted.points / 2 && answered.points <= wanted.points * 2;
}

const isWhole = (window: CurveWindow): boolean => window.from === 0 && window.to === Infinity;

/**
 * A stored run's curve, asked of the host window by window (runCurve): the latest answer for the whole run
 * and the latest for a zoomed range are kept, one request is in flight at a time, and a window wanted meanwhile is asked
 * for when it returns (only the latest one: dragging a zoom does not queue a request per frame).
 */
export class StoredCurve implements LossCurve {
  private answers: Array<{ window: CurveWindow; data: CurveData; curve: RunCurve }> = [];
  private inFlight: CurveWindow | undefined;
  private wanted: CurveWindow | undefined;
  /** The last failure, in words (cleared by the next answer). */
  error: string | undefined;

  constructor(
    private readonly ask: (window: CurveWindow) => Promise<RunCurve>,
    private readonly onAnswer: (curve: RunCurve) => void,
    private readonly onError: (message: string) => void,
  ) {}

  view(window: CurveWindow): CurveData | undefined {
    const exact = this.answers.find((a) => fits(a.window, window));
    if (exact) return exact.data;
    this.request(window);
    // Meanwhile: the answer for the same range at another resolution or smoothing, else the whole run.
    return (this.answers.find((a) => a.window.from === window.from && a.window.to === window.to) ?? this.answers.find((a) => isWhole(a.window)))?.data;
  }

  /** The whole run at `points` buckets, for callers that need its evaluations before any chart asks. */
  load(points: number, smoothing: number): void {
    this.view({ from: 0, to: Infinity, points, smoothing });
  }

  private request(window: CurveWindow): void {
    if (this.inFlight) {
      if (!fits(this.inFlight, window)) this.wanted = window;
      return;
    }
    this.inFlight = window;
    this.ask(window).then(
      (curve) => {
        const data: CurveData = { iterations: curve.iterations, buckets: curve.losses, times: relativeTimes(curve.times) };
        // The latest answer for the whole run and the latest for a zoomed range.
        const answers = [{ window, data, curve }, ...this.answers];
        this.answers = [answers.find((a) => isWhole(a.window)), answers.find((a) => !isWhole(a.window))].flatMap((a) => (a ? [a] : []));
        this.error = undefined;
        this.finish();
        this.onAnswer(curve);
      },
      (error: unknown) => {
        this.error = error instanceof Error ? error.message : String(error);
        this.wanted = undefined;
        this.finish();
        this.onError(this.error);
      },
    );
  }

  private finish(): void {
    this.inFlight = undefined;
    const next = this.wanted;
    this.wanted = undefined;
    if (next && !this.answers.some((a) => fits(a.window, next))) this.request(next);
  }
}

/** Time stamps (seconds since the Unix epoch) as seconds since the first one. */
function relativeTimes(times: TimeAnchors): TimeAnchors {
  const t0 = times[0]?.[1] ?? 0;
  return times.map(([iteration, t]) => [iteration, t - t0] as const);
}
