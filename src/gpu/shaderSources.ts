/**
 * The WGSL sources of shaders/, as strings. Under Vite (the app, and both vitest projects) they are
 * bundled through `import.meta.glob(..., { query: '?raw' })`; under plain Node (the CLI and the benchmark
 * run by tsx, where import.meta.glob does not exist) they are read from disk next to this module.
 */
export const SHADER_NAMES = [
  'forward',
  'sparseTransport',
  'sparseTransportVec4',
  'denseTransport',
  'immediate',
  'gradient',
  'tbptt',
  'uoroState',
  'uoroGradient',
  'kfTransport',
  'kfUpdate',
  'kfGradient',
  'readoutGradient',
  'clipScale',
  'update',
  'stepEnd',
  'gram',
  'sumSquares',
  'copy',
  'matmul',
  'lstmForward',
  'lstmTransport',
  'lstmDense',
] as const;
export type ShaderName = (typeof SHADER_NAMES)[number];
export type ShaderSources = Record<ShaderName, string>;

let cached: ShaderSources | null = null;

export async function loadShaderSources(): Promise<ShaderSources> {
  cached ??= bundledSources() ?? (await sourcesFromDisk());
  return cached;
}

function bundledSources(): ShaderSources | null {
  let files: Record<string, string>;
  try {
    files = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
  } catch {
    return null; // not under Vite
  }
  const out: Partial<ShaderSources> = {};
  for (const [path, text] of Object.entries(files)) {
    const name = /([^/]+)\.wgsl$/.exec(path)?.[1];
    if (name && (SHADER_NAMES as readonly string[]).includes(name)) out[name as ShaderName] = text;
  }
  return complete(out, 'the Vite bundle');
}

async function sourcesFromDisk(): Promise<ShaderSources> {
  // Variable specifiers keep Vite from trying to bundle Node built-ins into the browser build.
  const fsName = 'node:fs/promises';
  const urlName = 'node:url';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const url = (await import(/* @vite-ignore */ urlName)) as typeof import('node:url');
  const dir = new URL('../../shaders/', import.meta.url);
  const out: Partial<ShaderSources> = {};
  await Promise.all(SHADER_NAMES.map(async (name) => (out[name] = await fs.readFile(url.fileURLToPath(new URL(`${name}.wgsl`, dir)), 'utf8'))));
  return complete(out, 'shaders/');
}

function complete(out: Partial<ShaderSources>, where: string): ShaderSources {
  const missing = SHADER_NAMES.filter((n) => typeof out[n] !== 'string');
  if (missing.length > 0) throw new Error(`shader source(s) missing from ${where}: ${missing.join(', ')}`);
  return out as ShaderSources;
}
