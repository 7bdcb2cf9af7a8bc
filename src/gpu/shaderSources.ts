/**
 * The WGSL sources of shaders/, as strings. Under Vite (the app, and both vitest projects) they are
 * bundled through `import.meta.glob(..., { query: '?raw' })`; under plain Node (the CLI and the benchmark
 * run by tsx, where import.meta.glob does not exist) they are read from disk next to this module.
 *
 * WGSL has no #include, so the composition is ours: a kernel file names each shared snippet it needs
 * (shaders/common/<name>.wgsl) on a line of its own, `//! include <name>`; `kernelParts` gives the
 * snippets, each once and after those it includes itself, then the kernel file. Snippets hold module-scope
 * declarations only (functions, structs, workgroup memory, overrides), so where they stand does not matter
 * and the kernel file's own lines stay as written.
 */
import { GpuError } from './errors';

export const SHADER_NAMES = [
  'forward',
  'sparseTransport',
  'sparseTransportVec4',
  'denseTransport',
  'gradient',
  'tbptt',
  'tbpttGradient',
  'uoroState',
  'uoroGradient',
  'kfTransport',
  'kfUpdate',
  'kfGradient',
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

/** The shared snippets of shaders/common/ that kernel files include. */
export const SNIPPET_NAMES = [
  'laneStep',
  'readoutTail',
  'thetaEntry',
  'noiseLane',
  'denseTile',
  'vec4Block',
  'lstmColumn',
  'sparseRow',
  'settle',
  'immediateTerm',
  'rowDot',
  'forwardStep',
  'timesW',
  'factorLane',
  'sparsePass',
  'tbpttWindow',
] as const;
export type SnippetName = (typeof SNIPPET_NAMES)[number];
/** A snippet's key among the sources: its path under shaders/ without `.wgsl`. */
export type SnippetFile = `common/${SnippetName}`;
export const SNIPPET_FILES = SNIPPET_NAMES.map((n): SnippetFile => `common/${n}`);
export type ShaderSources = Record<ShaderName | SnippetFile, string>;
const SOURCE_FILES: readonly (ShaderName | SnippetFile)[] = [...SHADER_NAMES, ...SNIPPET_FILES];

/** One part of a kernel's module body: a snippet or the kernel file, named by its path under shaders/; its text ends with a newline. */
export interface KernelPart {
  file: string;
  text: string;
}

const INCLUDE = /^[ \t]*\/\/! include[ \t]+(\S+)[ \t]*$/gm;

/** The snippets `text` includes, by name, in order. */
function includesOf(text: string): string[] {
  return [...text.matchAll(INCLUDE)].map((m) => m[1]);
}

/**
 * What `name`'s module holds after the generated header: every snippet it includes, directly or through
 * another snippet (each once, after the snippets it includes), then the kernel file itself. An unknown
 * name or a cycle throws naming the file that includes it.
 */
export function kernelParts(name: ShaderName, sources: ShaderSources): KernelPart[] {
  const parts: KernelPart[] = [];
  const done = new Set<string>();
  const visit = (file: string, open: readonly string[]) => {
    for (const inc of includesOf(sources[file as ShaderName | SnippetFile])) {
      const key = `common/${inc}`;
      if (!(SNIPPET_FILES as readonly string[]).includes(key))
        throw new GpuError(
          'validation',
          `${file}.wgsl includes '${inc}', which is not a snippet of shaders/common/ (SNIPPET_NAMES: ${SNIPPET_NAMES.join(', ')})`,
        );
      if (open.includes(key)) throw new GpuError('validation', `${file}.wgsl includes '${inc}', which includes it back`);
      if (done.has(key)) continue;
      visit(key, [...open, key]);
      done.add(key);
      parts.push({ file: `${key}.wgsl`, text: withNewline(sources[key as SnippetFile]) });
    }
  };
  visit(name, [name]);
  parts.push({ file: `${name}.wgsl`, text: withNewline(sources[name]) });
  return parts;
}

const withNewline = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

/** The kernel file with its snippets before it, as compiled after the header (what checkBindings reads). */
export function kernelSource(name: ShaderName, sources: ShaderSources): string {
  return kernelParts(name, sources)
    .map((p) => p.text)
    .join('');
}

let cached: ShaderSources | null = null;

export async function loadShaderSources(): Promise<ShaderSources> {
  cached ??= bundledSources() ?? (await sourcesFromDisk());
  return cached;
}

function bundledSources(): ShaderSources | null {
  let files: Record<string, string>;
  try {
    files = import.meta.glob(['../../shaders/*.wgsl', '../../shaders/common/*.wgsl'], { query: '?raw', import: 'default', eager: true }) as Record<
      string,
      string
    >;
  } catch {
    return null; // not under Vite
  }
  const out: Partial<ShaderSources> = {};
  for (const [path, text] of Object.entries(files)) {
    const name = /shaders\/((?:common\/)?[^/]+)\.wgsl$/.exec(path)?.[1];
    if (name && (SOURCE_FILES as readonly string[]).includes(name)) out[name as ShaderName | SnippetFile] = text;
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
  await Promise.all(SOURCE_FILES.map(async (name) => (out[name] = await fs.readFile(url.fileURLToPath(new URL(`${name}.wgsl`, dir)), 'utf8'))));
  return complete(out, 'shaders/');
}

function complete(out: Partial<ShaderSources>, where: string): ShaderSources {
  const missing = SOURCE_FILES.filter((n) => typeof out[n] !== 'string');
  if (missing.length > 0) throw new Error(`shader source(s) missing from ${where}: ${missing.join(', ')}`);
  return out as ShaderSources;
}
