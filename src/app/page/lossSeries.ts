/**
 * The fast data of the live view, kept outside React (the zustand "transient updates" pattern): one ring
 * of raw losses and one of their EMA per arm. Charts read it on animation frames when `version` moved.
 */
export const SERIES_CAPACITY = 40_000;
/** EMA weight of a new point: about a 50-step window */
export const EMA_ALPHA = 0.04;

export class LossSeries {
  readonly raw: Float32Array[];
  readonly smooth: Float32Array[];
  private readonly ema: Float64Array;
  /** global step of the oldest stored point */
  firstStep = 0;
  /** number of stored points (≤ capacity) */
  length = 0;
  private head = 0;
  version = 0;

  constructor(
    readonly arms: number,
    readonly capacity = SERIES_CAPACITY,
  ) {
    this.raw = Array.from({ length: arms }, () => new Float32Array(capacity));
    this.smooth = Array.from({ length: arms }, () => new Float32Array(capacity));
    this.ema = new Float64Array(arms).fill(NaN);
  }

  /** true once a step without an error signal was seen: the raw trace is then one point per sequence */
  sparse = false;

  /**
   * Appends `count` steps of every arm. NaN (a diverged arm) is stored and skipped by the EMA. With
   * `scored`, a step without an error signal stores NaN as its raw loss and carries the average on, so
   * the average is per sequence (a zero-loss step between sequences would draw a false saw-tooth).
   */
  append(losses: Float32Array[], count: number, scored: Uint8Array | null = null): void {
    if (scored) this.sparse = true;
    for (let s = 0; s < count; s++) {
      const slot = this.head;
      if (scored && scored[s] === 0) {
        for (let a = 0; a < this.arms; a++) {
          this.raw[a][slot] = NaN;
          this.smooth[a][slot] = this.ema[a];
        }
      } else {
        for (let a = 0; a < this.arms; a++) {
          const v = losses[a][s];
          this.raw[a][slot] = v;
          if (Number.isFinite(v)) this.ema[a] = Number.isNaN(this.ema[a]) ? v : this.ema[a] + EMA_ALPHA * (v - this.ema[a]);
          this.smooth[a][slot] = Number.isFinite(v) ? this.ema[a] : NaN;
        }
      }
      this.head = (this.head + 1) % this.capacity;
      if (this.length < this.capacity) this.length++;
      else this.firstStep++;
    }
    this.version++;
  }

  /** The value of arm `a` at the i-th stored point (0 = oldest). */
  at(series: Float32Array[], a: number, i: number): number {
    const start = (this.head - this.length + this.capacity) % this.capacity;
    return series[a][(start + i) % this.capacity];
  }
}

/** Steps of the task strip: the latest window, which holds the drift during the first seconds of a run. */
export const TRACE_WINDOW = 300;

/** The last TRACE_WINDOW steps of the task (input, target) and of each arm's output, outside React. */
export class TraceSeries {
  readonly input = new Float32Array(TRACE_WINDOW);
  readonly target = new Float32Array(TRACE_WINDOW);
  readonly prediction: Float32Array[];
  firstStep = 0;
  length = 0;
  private head = 0;

  constructor(readonly arms: number) {
    this.prediction = Array.from({ length: arms }, () => new Float32Array(TRACE_WINDOW));
  }

  append(trace: { input: Float32Array; target: Float32Array; prediction: Float32Array[] }, count: number): void {
    for (let s = 0; s < count; s++) {
      const slot = this.head;
      this.input[slot] = trace.input[s];
      this.target[slot] = trace.target[s];
      for (let a = 0; a < this.arms; a++) this.prediction[a][slot] = trace.prediction[a]?.[s] ?? NaN;
      this.head = (this.head + 1) % TRACE_WINDOW;
      if (this.length < TRACE_WINDOW) this.length++;
      else this.firstStep++;
    }
  }

  /** Value i (0 = oldest) of one of the arrays. */
  at(values: Float32Array, i: number): number {
    return values[(this.head - this.length + i + TRACE_WINDOW) % TRACE_WINDOW];
  }
}
