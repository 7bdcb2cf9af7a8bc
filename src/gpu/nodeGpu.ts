/**
 * WebGPU in Node through the `webgpu` package (Dawn). On a machine without a GPU, Dawn needs SwiftShader's
 * Vulkan driver (shipped by Debian's chromium); on a machine with a GPU that file is absent and unused.
 * The object from create() is held for the life of the process: if it is collected while a device lives,
 * Dawn aborts (docs/webgpu-without-gpu.md).
 */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let holder: GPU | null = null;

/**
 * Dawn's GPU object, or null when the package cannot load on this machine. `flags` go to the package's
 * create() on the first call only (the object is made once per process): the benchmark passes
 * `disable-dawn-features=timestamp_quantization`, so timestamps are not rounded to Dawn's coarse default.
 */
export async function nodeGpu(flags: readonly string[] = []): Promise<GPU | null> {
  if (holder) return holder;
  const fsName = 'node:fs';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs');
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  const pkg = 'webgpu';
  try {
    const dawn = (await import(/* @vite-ignore */ pkg)) as { create: (flags: string[]) => GPU; globals: object };
    Object.assign(globalThis, dawn.globals);
    holder = dawn.create([...flags]);
  } catch {
    return null;
  }
  return holder;
}
