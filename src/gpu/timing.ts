/**
 * Kernel timing of a batch. Where the device has `timestamp-query`, the first step of every chunk runs
 * each kernel in its own compute pass with timestamps at its beginning and end, resolved and read back
 * with the chunk's losses (no extra wait): GPU time per kernel, per step. Elsewhere, submit-to-done
 * timing: the wall time from a chunk's submit (or the end of the chunk before it, whichever is later)
 * until its readback lands, per step; this includes the queue's latency and, on a software adapter, the
 * CPU it shares with everything else.
 */
export interface KernelTiming {
  name: string;
  /** mean GPU milliseconds of one dispatch */
  ms: number;
  /** steps it was timed at */
  samples: number;
}

export interface BatchTimings {
  source: 'timestamp-query' | 'submit-to-done';
  /** milliseconds per step: the sum of the kernels' means (timestamps) or wall time per step (submit-to-done) */
  msPerStep: number;
  /** per kernel, in dispatch order (timestamp-query only; empty otherwise) */
  kernels: KernelTiming[];
  /** steps the figures cover */
  steps: number;
}

export class KernelTimer {
  readonly source: BatchTimings['source'];
  /** bytes of resolved timestamps per chunk (0 without timestamps) */
  readonly bytes: number;
  private readonly querySet: GPUQuerySet | null;
  private readonly resolveBuffer: GPUBuffer | null;
  private readonly ns: Float64Array;
  private readonly counts: Float64Array;
  private wallMs = 0;
  private wallSteps = 0;
  private lastDone = 0;

  constructor(
    device: GPUDevice,
    label: string,
    private readonly names: readonly string[],
    enabled: boolean,
  ) {
    const timestamps = enabled && device.features.has('timestamp-query') && names.length > 0;
    this.source = timestamps ? 'timestamp-query' : 'submit-to-done';
    this.ns = new Float64Array(names.length);
    this.counts = new Float64Array(names.length);
    this.bytes = timestamps ? 16 * names.length : 0;
    this.querySet = timestamps ? device.createQuerySet({ label: `${label} kernel timestamps`, type: 'timestamp', count: 2 * names.length }) : null;
    this.resolveBuffer = timestamps
      ? device.createBuffer({ label: `${label} resolved timestamps`, size: this.bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC })
      : null;
  }

  get timestamps(): boolean {
    return this.querySet !== null;
  }

  /** The timestamp writes of kernel i's pass at a timed step. */
  writes(i: number): GPUComputePassTimestampWrites | undefined {
    return this.querySet ? { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } : undefined;
  }

  /** After the timed step's passes: resolve the timestamps and copy them into `staging` at `offsetBytes` (a multiple of 8). */
  resolve(enc: GPUCommandEncoder, staging: GPUBuffer, offsetBytes: number): void {
    if (!this.querySet || !this.resolveBuffer) return;
    enc.resolveQuerySet(this.querySet, 0, 2 * this.names.length, this.resolveBuffer, 0);
    enc.copyBufferToBuffer(this.resolveBuffer, 0, staging, offsetBytes, this.bytes);
  }

  /** The resolved timestamps of one timed step, from a chunk's readback. */
  absorb(data: ArrayBuffer, offsetBytes: number): void {
    if (!this.querySet) return;
    const ts = new BigUint64Array(data, offsetBytes, 2 * this.names.length);
    for (let i = 0; i < this.names.length; i++) {
      const d = Number(ts[2 * i + 1] - ts[2 * i]);
      // an implementation may quantise or reorder timestamps; a negative or absurd span is skipped
      if (ts[2 * i + 1] >= ts[2 * i] && d < 60e9) {
        this.ns[i] += d;
        this.counts[i]++;
      }
    }
  }

  /** A chunk of `steps` steps was submitted now; call the result when its readback has landed. */
  submitted(steps: number): () => void {
    const at = performance.now();
    return () => {
      const now = performance.now();
      this.wallMs += now - Math.max(at, this.lastDone);
      this.wallSteps += steps;
      this.lastDone = now;
    };
  }

  timings(): BatchTimings {
    if (this.querySet) {
      const kernels = this.names.map((name, i) => ({ name, ms: this.counts[i] > 0 ? this.ns[i] / this.counts[i] / 1e6 : NaN, samples: this.counts[i] }));
      const steps = Math.min(...this.counts);
      return { source: this.source, msPerStep: kernels.reduce((s, k) => s + k.ms, 0), kernels, steps };
    }
    return { source: this.source, msPerStep: this.wallSteps > 0 ? this.wallMs / this.wallSteps : NaN, kernels: [], steps: this.wallSteps };
  }

  destroy(): void {
    this.querySet?.destroy();
    this.resolveBuffer?.destroy();
  }
}
