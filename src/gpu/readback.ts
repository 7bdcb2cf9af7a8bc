/**
 * Reading GPU buffers back. A batch copies each chunk's results (losses, control words, metrics, kernel
 * timestamps) into a MAP_READ staging buffer from a small pool and maps it without waiting, so the step
 * loop never stalls on the GPU (webgpu-samples' computeBoids does the same for its timings); at most
 * `depth` readbacks are in flight. `readBuffer` is the one-off, waiting read used by tests, selection
 * refresh and carry-over.
 */
import { messageOf, type DeviceHealth } from './device';
import { GpuError } from './errors';

export class ReadbackPool {
  private readonly free: GPUBuffer[] = [];
  private readonly owned: GPUBuffer[] = [];
  private readonly pending: Promise<void>[] = [];
  private failure: unknown = null;

  constructor(
    private readonly device: GPUDevice,
    private readonly label: string,
    private readonly depth: number,
  ) {}

  /** A staging buffer of at least `bytes`, once fewer than `depth` readbacks are in flight. */
  async acquire(bytes: number): Promise<GPUBuffer> {
    while (this.pending.length >= this.depth) await this.pending[0];
    const i = this.free.findIndex((b) => b.size >= bytes);
    if (i >= 0) return this.free.splice(i, 1)[0];
    const b = this.device.createBuffer({
      label: `${this.label} readback staging ${this.owned.length}`,
      size: Math.max(256, Math.ceil(bytes / 256) * 256),
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    });
    this.owned.push(b);
    return b;
  }

  /**
   * After the copies into `staging` are submitted: maps it, hands `consume` a copy of its first `bytes`,
   * and returns it to the pool. A failure is kept for `check()`. The promise settles (never rejects) once
   * `consume` has run or the readback failed.
   */
  collect(staging: GPUBuffer, bytes: number, consume: (data: ArrayBuffer) => void): Promise<void> {
    const done = staging
      .mapAsync(GPUMapMode.READ, 0, bytes)
      .then(() => {
        const data = staging.getMappedRange(0, bytes).slice(0);
        staging.unmap();
        this.free.push(staging);
        consume(data);
      })
      .catch((e: unknown) => {
        this.failure ??= e;
      })
      .finally(() => {
        const i = this.pending.indexOf(done);
        if (i >= 0) this.pending.splice(i, 1);
      });
    this.pending.push(done);
    return done;
  }

  /** Waits for every readback in flight. */
  async drain(): Promise<void> {
    while (this.pending.length > 0) await this.pending[0];
  }

  /** Throws the first readback failure, as a GpuError. */
  check(): void {
    const e = this.failure;
    if (e) throw e instanceof GpuError ? e : new GpuError('device-lost', `readback failed: ${messageOf(e)}`);
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.free.length = 0;
  }
}

/** `bytes` of `src` from `offsetBytes`, read back (submits a copy and waits for it). */
export async function readBuffer(device: GPUDevice, health: DeviceHealth, src: GPUBuffer, offsetBytes: number, bytes: number): Promise<ArrayBuffer> {
  const staging = device.createBuffer({
    label: `read ${src.label}`,
    size: Math.max(16, Math.ceil(bytes / 4) * 4),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const enc = device.createCommandEncoder({ label: `read ${src.label}` });
  enc.copyBufferToBuffer(src, offsetBytes, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  try {
    await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    return out;
  } catch (e) {
    health.check();
    throw new GpuError('device-lost', `readback of ${src.label} failed: ${messageOf(e)}`);
  } finally {
    staging.destroy();
  }
}
