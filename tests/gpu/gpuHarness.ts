/** Shared set-up of the GPU tests: one device per test file (Dawn in Node, the browser's in Chromium), kept reachable until afterAll. */
import { afterAll, beforeAll, expect } from 'vitest';
import { acquireDevice } from '../../src/gpu/device';
import { createContext, type GpuContext } from '../../src/gpu/batch';
import { nodeGpu } from '../../src/gpu/nodeGpu';
import type { PStorage } from '../../src/engine/precision';
import type { ShaderName } from '../../src/gpu/shaderSources';

/** A context on `gpu`'s adapter (navigator.gpu in the browser tests). */
export async function contextOf(gpu: GPU | null): Promise<GpuContext> {
  const r = await acquireDevice(gpu);
  if (!r.ok) throw r.error;
  return createContext(r.device, r.description, r.isFallbackAdapter);
}

export async function nodeContext(): Promise<GpuContext> {
  return contextOf(await nodeGpu());
}

/**
 * The test file's device, from the enclosing scope's hooks: `use` gets its context before the first test,
 * and the device is destroyed after the last. Dawn's adapter in Node, unless `gpu` gives another
 * (navigator.gpu in the browser).
 */
export function deviceForFile(use: (ctx: GpuContext) => void, gpu?: () => GPU | null): void {
  let ctx: GpuContext | undefined;
  beforeAll(async () => {
    ctx = gpu ? await contextOf(gpu()) : await nodeContext();
    use(ctx);
  });
  afterAll(() => ctx?.device.destroy());
}

/** Expects each shader of `names` to compile with no errors or warnings (with P stored as `storage`). */
export async function expectCleanCompile(ctx: GpuContext, names: readonly ShaderName[], storage: PStorage = 'f32'): Promise<void> {
  for (const name of names)
    expect(
      (await ctx.kernels.messages(name, storage)).filter((m) => m.type !== 'info'),
      `${name}.wgsl`,
    ).toEqual([]);
}
