/**
 * Shader modules and compute pipelines, each labelled with its shader's name. Every module is the layout
 * preamble (layout.ts) followed by the kernel's file; a module is checked with getCompilationInfo, so a
 * WGSL error names the kernel's file and its own line (or the preamble's). Pipelines are cached by shader
 * and override constants (tfjs-backend-webgpu's program cache), and a pipeline made for a kernel table
 * entry first checks that the entry's binding names are the shader's `var` names, in binding order.
 */
import { ShaderCompileError, GpuError } from './errors';
import { messageOf } from './device';
import { PREAMBLE_LINES, WGSL_PREAMBLE } from './layout';
import type { ShaderName, ShaderSources } from './shaderSources';

export interface CompileMessage {
  type: GPUCompilationMessageType;
  line: number;
  column: number;
  message: string;
}

/** Where a line of the compiled module comes from: the preamble, or the kernel file. */
function sourceLine(name: ShaderName, moduleLine: number): { file: string; line: number } {
  return moduleLine > PREAMBLE_LINES ? { file: `${name}.wgsl`, line: moduleLine - PREAMBLE_LINES } : { file: `${name}.wgsl (preamble from src/gpu/layout.ts)`, line: moduleLine };
}

/** The `@binding(i) var<...> name` declarations of group 0, by binding index. */
export function declaredBindings(source: string): Map<number, string> {
  const out = new Map<number, string>();
  const re = /@group\(\s*0\s*\)\s*@binding\(\s*(\d+)\s*\)\s*var(?:<[^>]*>)?\s+([A-Za-z_]\w*)/g;
  for (let m = re.exec(source); m; m = re.exec(source)) out.set(Number(m[1]), m[2]);
  return out;
}

/** Throws unless `bindings` (the kernel table's names, in binding order) are the shader's declarations. */
export function checkBindings(kernel: string, shader: ShaderName, source: string, bindings: readonly string[]): void {
  const declared = declaredBindings(source);
  const where = `kernel '${kernel}' (${shader}.wgsl)`;
  bindings.forEach((name, i) => {
    const got = declared.get(i);
    if (got === undefined) throw new GpuError('validation', `${where}: binding ${i} '${name}' is not declared in the shader`);
    if (got !== name) throw new GpuError('validation', `${where}: binding ${i} is '${got}' in the shader but '${name}' in the kernel table`);
  });
  for (const [i, name] of declared) {
    if (i >= bindings.length) throw new GpuError('validation', `${where}: the shader declares binding ${i} '${name}', which the kernel table does not bind`);
  }
}

export class KernelCache {
  private readonly modules = new Map<ShaderName, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(readonly device: GPUDevice, readonly sources: ShaderSources) {}

  /** The WGSL compiled for `name`: the preamble, then the kernel file. */
  code(name: ShaderName): string {
    return WGSL_PREAMBLE + this.sources[name];
  }

  /** Compiler messages of one shader (errors, warnings, infos), with lines of the kernel file. */
  async messages(name: ShaderName): Promise<CompileMessage[]> {
    const module = this.device.createShaderModule({ label: `${name}.wgsl`, code: this.code(name) });
    const info = await module.getCompilationInfo();
    return info.messages.map((m) => ({ type: m.type, line: sourceLine(name, m.lineNum).line, column: m.linePos, message: m.message }));
  }

  module(name: ShaderName): Promise<GPUShaderModule> {
    let m = this.modules.get(name);
    if (!m) {
      m = (async () => {
        const module = this.device.createShaderModule({ label: `${name}.wgsl`, code: this.code(name) });
        const info = await module.getCompilationInfo();
        const error = info.messages.find((x) => x.type === 'error');
        if (error) {
          const at = sourceLine(name, error.lineNum);
          throw new ShaderCompileError(name, at.line, `${at.file}:${at.line}:${error.linePos}: ${error.message}`);
        }
        return module;
      })();
      this.modules.set(name, m);
    }
    return m;
  }

  /**
   * The compute pipeline of `name` with these override constants (entry point `main`). With `bindings`
   * (and the kernel's name for messages), the shader's declared bindings are checked against them first.
   */
  pipeline(name: ShaderName, constants: Record<string, number>, bindings?: { kernel: string; names: readonly string[] }): Promise<GPUComputePipeline> {
    if (bindings) checkBindings(bindings.kernel, name, this.sources[name], bindings.names);
    const key = `${name}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = (async () => {
        const module = await this.module(name);
        try {
          return await this.device.createComputePipelineAsync({
            label: `${name} pipeline`,
            layout: 'auto',
            compute: { module, entryPoint: 'main', constants },
          });
        } catch (e) {
          throw new GpuError('validation', `${name}.wgsl: pipeline creation failed: ${messageOf(e)}`);
        }
      })();
      this.pipelines.set(key, p);
    }
    return p;
  }
}
