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

  constructor(readonly arms: number, readonly capacity = SERIES_CAPACITY) {
    this.raw = Array.from({ length: arms }, () => new Float32Array(capacity));
    this.smooth = Array.from({ length: arms }, () => new Float32Array(capacity));
    this.ema = new Float64Array(arms).fill(NaN);
  }

  /** Appends `count` steps of every arm. NaN (a diverged arm) is stored and skipped by the EMA. */
  append(losses: Float32Array[], count: number): void {
    for (let s = 0; s < count; s++) {
      const slot = this.head;
      for (let a = 0; a < this.arms; a++) {
        const v = losses[a][s];
        this.raw[a][slot] = v;
        if (Number.isFinite(v)) this.ema[a] = Number.isNaN(this.ema[a]) ? v : this.ema[a] + EMA_ALPHA * (v - this.ema[a]);
        this.smooth[a][slot] = Number.isFinite(v) ? this.ema[a] : NaN;
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
