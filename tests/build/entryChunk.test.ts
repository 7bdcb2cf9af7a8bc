/**
 * The page's first load carries no engine: a production build (vite build into a temporary folder) is read
 * from its index.html, the chunks it loads (the entry script, its modulepreload links and their static
 * imports, transitively) are gathered, and none may hold the WebAssembly transport's bytes or the
 * engine's transport and methods' registry. The engine reaches the page through src/app/contract only;
 * the workers load it. Each marker is first found in the engine worker's chunk, so a marker that stops
 * surviving the build fails here instead of passing for nothing.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(__dirname, '../..');
let outDir = '';

/** Base64 text of the transport kernel's module as the generator wrote it (the part after the `\0asm` header). */
function kernelSlice(): string {
  const generated = readFileSync(join(root, 'src/engine/wasm/transportWasm.generated.ts'), 'utf8');
  const b64 = /TRANSPORT_WASM_SHARED = '([A-Za-z0-9+/=]+)'/.exec(generated)?.[1];
  if (!b64) throw new Error('transportWasm.generated.ts: no TRANSPORT_WASM_SHARED (run npm run build:wasm)');
  // the middle of the code section: the same in the shared and the plain module, and in no other text
  return b64.slice(400, 464);
}

/** What only engine code contains: the kernel's bytes, the `\0asm` header as base64, a transport and a registry string. */
const MARKERS: { what: string; text: () => string }[] = [
  { what: 'the WebAssembly kernel’s bytes', text: kernelSlice },
  { what: 'a WebAssembly module’s base64 header (\\0asm, version 1)', text: () => 'AGFzbQEAAAAB' },
  { what: 'engine/transport.ts', text: () => 'threads start with the first large transport' },
  { what: 'the methods’ registry (engine/methods/index.ts)', text: () => 'has no estimator for the' },
];

/** Chunk paths (relative to the build) that index.html loads: the entry script and its modulepreload links. */
function htmlChunks(html: string): string[] {
  const refs = [
    ...html.matchAll(/<script[^>]*\stype="module"[^>]*\ssrc="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*\srel="modulepreload"[^>]*\shref="([^"]+)"/g),
  ].map((m) => m[1]);
  return refs.map((r) => r.replace(/^(\.\/|\/)/, ''));
}

/** The static imports of a chunk (import … from "./x.js", import "./x.js", export … from "./x.js"), not import("./x.js"). */
function staticImports(code: string): string[] {
  return [...code.matchAll(/\b(?:import|export)\s*(?:[^'"`();]*?\bfrom\s*)?["'`](\.{1,2}\/[^"'`]+)["'`]/g)].map((m) => m[1]);
}

/** Every chunk the page loads before any dynamic import: the html's, then their static imports, transitively. */
function entryGraph(): Map<string, string> {
  const html = readFileSync(join(outDir, 'index.html'), 'utf8');
  const chunks = new Map<string, string>();
  const queue = htmlChunks(html);
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (chunks.has(path)) continue;
    const code = readFileSync(join(outDir, path), 'utf8');
    chunks.set(path, code);
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/') + 1) : '';
    for (const spec of staticImports(code)) queue.push(join(dir, spec).split('\\').join('/'));
  }
  return chunks;
}

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'lab-build-'));
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
}, 300_000);

afterAll(() => {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('the page’s entry chunk', () => {
  it('loads no engine code: no WebAssembly kernel, no transport, no methods’ registry', () => {
    const graph = entryGraph();
    expect(graph.size).toBeGreaterThan(0);
    const entry = [...graph.keys()][0];
    expect(entry).toMatch(/\.js$/);
    const worker = readdirSync(join(outDir, 'assets')).find((f) => /^engineWorker-.*\.js$/.test(f));
    expect(worker, 'the engine worker chunk').toBeDefined();
    const workerCode = readFileSync(join(outDir, 'assets', worker!), 'utf8');
    for (const { what, text } of MARKERS) {
      const marker = text();
      // the marker survives the build where the engine is
      expect(workerCode.includes(marker), `${what} in the engine worker's chunk`).toBe(true);
      for (const [path, code] of graph) expect(code.includes(marker), `${what} in ${path}, which the page loads first`).toBe(false);
    }
  });

  it('follows the entry’s static imports, not its dynamic ones (the panels load after the worker has started)', () => {
    const graph = entryGraph();
    const entry = graph.values().next().value!;
    // main.tsx imports the panels (App) dynamically: they are not in the first load
    expect(entry).toMatch(/import\(["'`]\.\/App-[^"'`]+\.js["'`]\)/);
    expect([...graph.keys()].some((p) => /\/App-/.test(p))).toBe(false);
  });
});
