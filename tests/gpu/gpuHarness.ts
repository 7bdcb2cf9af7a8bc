/** Shared set-up of the GPU tests: one Dawn device per test file, kept reachable until afterAll. */
import { acquireDevice } from '../../src/gpu/device';
import { createContext, type GpuContext } from '../../src/gpu/batch';
import { nodeGpu } from '../../src/gpu/nodeGpu';

export async function nodeContext(): Promise<GpuContext> {
  const gpu = await nodeGpu();
  const r = await acquireDevice(gpu);
  if (!r.ok) throw r.error;
  return createContext(r.device, r.description, r.isFallbackAdapter);
}
