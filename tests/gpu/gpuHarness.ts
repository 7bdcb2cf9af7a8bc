/** Shared set-up of the GPU tests: one device per test file (Dawn in Node, the browser's in Chromium), kept reachable until afterAll. */
import { acquireDevice } from '../../src/gpu/device';
import { createContext, type GpuContext } from '../../src/gpu/batch';
import { nodeGpu } from '../../src/gpu/nodeGpu';

/** A context on `gpu`'s adapter (navigator.gpu in the browser tests). */
export async function contextOf(gpu: GPU | null): Promise<GpuContext> {
  const r = await acquireDevice(gpu);
  if (!r.ok) throw r.error;
  return createContext(r.device, r.description, r.isFallbackAdapter);
}

export async function nodeContext(): Promise<GpuContext> {
  return contextOf(await nodeGpu());
}
