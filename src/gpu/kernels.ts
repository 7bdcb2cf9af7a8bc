/**
 * Shader modules and compute pipelines, each labelled with its shader's name. A module is checked with
 * getCompilationInfo, so a WGSL error names the file and line; pipelines are cached by shader and
 * override constants (tfjs-backend-webgpu's program cache).
 */
import { ShaderCompileError, GpuError } from './errors';
import { messageOf } from './device';
import type { ShaderName, ShaderSources } from './shaderSources';

export interface CompileMessage {
  type: GPUCompilationMessageType;
  line: number;
  column: number;
  message: string;
}

export class KernelCache {
  private readonly modules = new Map<ShaderName, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(readonly device: GPUDevice, readonly sources: ShaderSources) {}

  /** Compiler messages of one shader (errors, warnings, infos). */
  async messages(name: ShaderName): Promise<CompileMessage[]> {
    const module = this.device.createShaderModule({ label: `${name}.wgsl`, code: this.sources[name] });
    const info = await module.getCompilationInfo();
    return info.messages.map((m) => ({ type: m.type, line: m.lineNum, column: m.linePos, message: m.message }));
  }

  module(name: ShaderName): Promise<GPUShaderModule> {
    let m = this.modules.get(name);
    if (!m) {
      m = (async () => {
        const module = this.device.createShaderModule({ label: `${name}.wgsl`, code: this.sources[name] });
        const info = await module.getCompilationInfo();
        const error = info.messages.find((x) => x.type === 'error');
        if (error) {
          throw new ShaderCompileError(name, error.lineNum, `${name}.wgsl:${error.lineNum}:${error.linePos}: ${error.message}`);
        }
        return module;
      })();
      this.modules.set(name, m);
    }
    return m;
  }

  /** The compute pipeline of `name` with these override constants (entry point `main`). */
  pipeline(name: ShaderName, constants: Record<string, number>): Promise<GPUComputePipeline> {
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
