/**
 * Device acquisition and health. Every way WebGPU can be missing or fail ends in a typed result or a
 * GpuError, never an unhandled rejection (webgpu-samples' util.ts guards): no navigator.gpu, a null
 * adapter, a failed requestDevice, device.lost, and uncaptured errors.
 */
import { GpuDeviceLostError, GpuError, GpuUnavailableError } from './errors';

export type DeviceResult =
  { ok: true; device: GPUDevice; adapter: GPUAdapter; description: string; isFallbackAdapter: boolean } | { ok: false; error: GpuUnavailableError };

export async function acquireDevice(gpu: GPU | null | undefined, label = 'sparse-rtrl'): Promise<DeviceResult> {
  if (!gpu) return fail('no-webgpu', 'WebGPU is not available here (no navigator.gpu)');
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return fail('no-adapter', `requestAdapter failed: ${messageOf(e)}`);
  }
  if (!adapter) return fail('no-adapter', 'no WebGPU adapter found (requestAdapter returned null)');
  const lim = adapter.limits;
  let device: GPUDevice;
  // kernel timing (timing.ts) uses timestamps where the adapter offers them
  const requiredFeatures: GPUFeatureName[] = adapter.features?.has('timestamp-query') ? ['timestamp-query'] : [];
  try {
    device = await adapter.requestDevice({
      label,
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: lim.maxStorageBufferBindingSize,
        maxBufferSize: lim.maxBufferSize,
        // no kernel binds more than 8 storage buffers, WebGPU's default, so that limit is not raised
      },
    });
  } catch (e) {
    return fail('request-device-failed', `requestDevice failed: ${messageOf(e)}`);
  }
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.device, info?.description].filter((s) => s && String(s).length > 0);
  const isFallbackAdapter = Boolean(
    (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
  );
  return { ok: true, device, adapter, description: parts.length ? parts.join(' ') : 'unnamed adapter', isFallbackAdapter };
}

function fail(reason: GpuUnavailableError['reason'], message: string): DeviceResult {
  return { ok: false, error: new GpuUnavailableError(reason, message) };
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Watches a device: records device.lost and uncaptured errors so the engine can report them as typed
 * errors at its next await point, instead of letting them surface as unhandled events.
 */
export class DeviceHealth {
  lost: { reason: string; message: string } | null = null;
  readonly errors: string[] = [];
  private readonly listener = (ev: Event) => {
    const err = (ev as GPUUncapturedErrorEvent).error;
    this.errors.push(err?.message ?? String(err));
  };

  constructor(readonly device: GPUDevice) {
    device.lost.then(
      (info) => (this.lost = { reason: String(info.reason ?? 'unknown'), message: info.message || 'no message' }),
      (e) => (this.lost = { reason: 'unknown', message: messageOf(e) }),
    );
    device.addEventListener('uncapturederror', this.listener);
  }

  /** Throws the first problem seen, as a GpuError. */
  check(): void {
    if (this.lost) throw new GpuDeviceLostError(this.lost.reason, this.lost.message);
    if (this.errors.length > 0) throw new GpuError('validation', `WebGPU error: ${this.errors[0]}`);
  }

  dispose(): void {
    this.device.removeEventListener('uncapturederror', this.listener);
  }
}
