/** Asks the browser for a WebGPU adapter and names it, or says why there is none. Never throws. */
export type WebGpuProbe = { available: true; adapter: string; fallback: boolean } | { available: false; reason: string };

export async function probeWebGpu(): Promise<WebGpuProbe> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) return { available: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'WebGPU found no adapter (no usable GPU, or WebGPU is disabled)' };
    const info = adapter.info;
    const name = [info?.description, info?.vendor, info?.architecture].filter((s) => s && s.length > 0).join(' · ') || 'unnamed adapter';
    const fallback = Boolean((adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info?.isFallbackAdapter);
    return { available: true, adapter: name, fallback };
  } catch (e) {
    return { available: false, reason: `requesting a WebGPU adapter failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}
