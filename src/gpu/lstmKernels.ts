/**
 * The LSTM batch's kernels. Its own three (lstmForward.wgsl, lstmTransport.wgsl, lstmDense.wgsl) are compiled here as
 * kernels.ts compiles the RNN's: layout.ts's preamble, the LSTM preamble (lstmLayout.ts), binding
 * declarations generated from the descriptor below, then the kernel file, checked with
 * getCompilationInfo so an error names the file and its own line. The rest of a step (g = cᵀP, the
 * readout gradient, the clip, the optimizer, the step end, ‖P‖²) are the RNN batch's kernels, compiled by
 * the context's KernelCache with the LSTM's p and state length as override constants (lstmLayout.ts).
 */
import { messageOf } from './device';
import { GpuError, ShaderCompileError } from './errors';
import { checkBindings } from './kernels';
import { WGSL_PREAMBLE, wgslBindings } from './layout';
import { LSTM_PREAMBLE } from './lstmLayout';
import type { ShaderName } from './shaderSources';
import type { Bindings } from './stepKernels';

export const LSTM_SHADER_NAMES = ['lstmForward', 'lstmTransport', 'lstmDense'] as const;
export type LstmShaderName = (typeof LSTM_SHADER_NAMES)[number];

/** Each LSTM kernel's buffers in binding order (names as in the RNN batch; hIn/hOut hold [h; c]). */
export const LSTM_BINDINGS: Readonly<Record<LstmShaderName, Bindings>> = {
  lstmForward: { params: 'read', hIn: 'read', hOut: 'write', state: 'write', streams: 'read', lanes: 'read', ctl: 'write', losses: 'write' },
  lstmTransport: { params: 'read', state: 'read', sources: 'read', lanes: 'read', pIn: 'read', pOut: 'write' },
  lstmDense: { params: 'read', state: 'read', pIn: 'read', pOut: 'write' },
};

let sourcesPromise: Promise<Record<LstmShaderName, string>> | null = null;

/** The lstm*.wgsl sources: bundled under Vite, read from shaders/ under plain Node (as shaderSources.ts does). */
export function loadLstmSources(): Promise<Record<LstmShaderName, string>> {
  sourcesPromise ??= (async () => bundled() ?? (await fromDisk()))();
  return sourcesPromise;
}

function bundled(): Record<LstmShaderName, string> | null {
  let files: Record<string, string>;
  try {
    files = import.meta.glob('../../shaders/lstm*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
  } catch {
    return null;
  }
  const out: Partial<Record<LstmShaderName, string>> = {};
  for (const [path, text] of Object.entries(files)) {
    const name = /([^/]+)\.wgsl$/.exec(path)?.[1];
    if (name && (LSTM_SHADER_NAMES as readonly string[]).includes(name)) out[name as LstmShaderName] = text;
  }
  return complete(out, 'the Vite bundle');
}

async function fromDisk(): Promise<Record<LstmShaderName, string>> {
  const fsName = 'node:fs/promises';
  const urlName = 'node:url';
  const fs = (await import(/* @vite-ignore */ fsName)) as typeof import('node:fs/promises');
  const url = (await import(/* @vite-ignore */ urlName)) as typeof import('node:url');
  const dir = new URL('../../shaders/', import.meta.url);
  const out: Partial<Record<LstmShaderName, string>> = {};
  await Promise.all(LSTM_SHADER_NAMES.map(async (name) => (out[name] = await fs.readFile(url.fileURLToPath(new URL(`${name}.wgsl`, dir)), 'utf8'))));
  return complete(out, 'shaders/');
}

function complete(out: Partial<Record<LstmShaderName, string>>, where: string): Record<LstmShaderName, string> {
  const missing = LSTM_SHADER_NAMES.filter((n) => typeof out[n] !== 'string');
  if (missing.length > 0) throw new Error(`LSTM shader source(s) missing from ${where}: ${missing.join(', ')}`);
  return out as Record<LstmShaderName, string>;
}

/** The WGSL compiled for an LSTM kernel, and the number of lines before its file. */
export function lstmCode(name: LstmShaderName, source: string): { code: string; headerLines: number } {
  const header = WGSL_PREAMBLE + LSTM_PREAMBLE + wgslBindings(LSTM_BINDINGS[name]) + `// ---- ${name}.wgsl ----\n`;
  return { code: header + source, headerLines: header.split('\n').length - 1 };
}

/** Compiled modules and pipelines of the LSTM kernels, per device. */
export class LstmKernels {
  private readonly modules = new Map<LstmShaderName, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  private constructor(readonly device: GPUDevice, readonly sources: Record<LstmShaderName, string>) {}

  private static readonly perDevice = new WeakMap<GPUDevice, Promise<LstmKernels>>();

  static of(device: GPUDevice): Promise<LstmKernels> {
    let k = LstmKernels.perDevice.get(device);
    if (!k) {
      k = loadLstmSources().then((s) => new LstmKernels(device, s));
      LstmKernels.perDevice.set(device, k);
    }
    return k;
  }

  /** Compiler messages (errors, warnings, infos) with the kernel file's own lines. */
  async messages(name: LstmShaderName): Promise<{ type: GPUCompilationMessageType; line: number; message: string }[]> {
    const { code, headerLines } = lstmCode(name, this.sources[name]);
    const info = await this.device.createShaderModule({ label: `${name}.wgsl`, code }).getCompilationInfo();
    return info.messages.map((m) => ({ type: m.type, line: m.lineNum - headerLines, message: m.message }));
  }

  private module(name: LstmShaderName): Promise<GPUShaderModule> {
    let m = this.modules.get(name);
    if (!m) {
      m = (async () => {
        // checkBindings names the file `${shader}.wgsl`; the LSTM's names are not RNN shader names, only the text is used
        checkBindings(name, name as unknown as ShaderName, this.sources[name], LSTM_BINDINGS[name]);
        const { code, headerLines } = lstmCode(name, this.sources[name]);
        const module = this.device.createShaderModule({ label: `${name}.wgsl`, code });
        const error = (await module.getCompilationInfo()).messages.find((x) => x.type === 'error');
        if (error) {
          const line = error.lineNum - headerLines;
          const file = line > 0 ? `${name}.wgsl` : `${name}.wgsl (generated header: src/gpu/layout.ts, src/gpu/lstmLayout.ts)`;
          throw new ShaderCompileError(name, line, `${file}:${line > 0 ? line : error.lineNum}:${error.linePos}: ${error.message}`);
        }
        return module;
      })();
      this.modules.set(name, m);
    }
    return m;
  }

  pipeline(name: LstmShaderName, constants: Record<string, number>): Promise<GPUComputePipeline> {
    const key = `${name}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = (async () => {
        const module = await this.module(name);
        try {
          return await this.device.createComputePipelineAsync({ label: `${name}.wgsl pipeline`, layout: 'auto', compute: { module, entryPoint: 'main', constants } });
        } catch (e) {
          throw new GpuError('validation', `${name}.wgsl: pipeline creation failed: ${messageOf(e)}`);
        }
      })();
      this.pipelines.set(key, p);
    }
    return p;
  }
}
