/**
 * Shader modules and compute pipelines of every model's kernels, one compile path, each labelled with its
 * shader's name. A module is a generated header, the layout preamble (layout.ts), the preamble extension
 * of the model whose own kernel it is (gpuModels.ts), and the binding declarations of the kernel's
 * descriptor, followed by the shared snippets the kernel file includes (shaderSources.ts kernelParts) and
 * the kernel's file; it is checked with getCompilationInfo, so a WGSL error names the kernel's file (or
 * the snippet's) and its own line, or says it is in the header. The P bindings' declarations and
 * accessors follow the batch's P storage (layout.ts pAccessors), so a module is per shader and storage.
 * Pipelines are cached by shader, storage and override constants (tfjs-backend-webgpu's program cache).
 */
import type { PStorage } from '../engine/precision';
import { ShaderCompileError, GpuError } from './errors';
import { messageOf } from './device';
import { shaderBindings, shaderModel } from './gpuModels';
import { bindingLayoutEntries, P_BINDINGS, WGSL_PREAMBLE, WGSL_STEP_BINDING, wgslBindings } from './layout';
import { kernelParts, kernelSource, type KernelPart, type ShaderName, type ShaderSources } from './shaderSources';
import { BENCH_KERNELS, bindingNames, SHADER_TYPES, type Bindings } from './stepKernels';

export interface CompileMessage {
  type: GPUCompilationMessageType;
  /** the file the line is in: the kernel's, a snippet it includes (common/…), or the generated header */
  file: string;
  line: number;
  column: number;
  message: string;
}

/**
 * Throws unless the kernel file fits its descriptor: it declares no binding of its own (they are
 * generated), and it uses every buffer the descriptor binds (an unused one would vanish from the
 * pipeline's automatic layout and fail later, far from the cause). A name it uses but is not given fails
 * to compile, with the kernel's line.
 */
export function checkBindings(kernel: string, shader: ShaderName, source: string, bindings: Bindings): void {
  const where = `kernel '${kernel}' (${shader}.wgsl)`;
  const own = /@binding\(\s*(\d+)\s*\)\s*var(?:<[^>]*>)?\s+([A-Za-z_]\w*)/.exec(source);
  if (own)
    throw new GpuError(
      'validation',
      `${where}: declares binding ${own[1]} '${own[2]}' itself; bindings come from its descriptor (src/gpu/stepKernels.ts, or its model's GPU record)`,
    );
  const code = source.replace(/\/\/[^\n]*/g, '');
  bindingNames(bindings).forEach((name, i) => {
    // a P binding is used through its accessors (layout.ts pAccessors)
    const use = P_BINDINGS.has(name) ? `\\b${name}(?:At|Set|SetRow4)?\\b` : `\\b${name}\\b`;
    if (!new RegExp(use).test(code))
      throw new GpuError('validation', `${where}: binding ${i} '${name}' is bound by the descriptor but never used by the shader`);
  });
}

export class KernelCache {
  private readonly modules = new Map<string, Promise<GPUShaderModule>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly bindings = shaderBindings(BENCH_KERNELS);
  /** group 1 of every kernel that reads the step: the step uniform at a dynamic offset (one layout, so one bind group serves all) */
  readonly stepLayout: GPUBindGroupLayout;

  constructor(
    readonly device: GPUDevice,
    readonly sources: ShaderSources,
  ) {
    this.stepLayout = device.createBindGroupLayout({
      label: 'step uniform',
      entries: [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }],
    });
  }

  /** Whether `name` (with the snippets it includes) reads the step uniform, so its pipeline has group 1. */
  usesStep(name: ShaderName): boolean {
    const code = kernelParts(name, this.sources)
      .map((p) => p.text.replace(/\/\/[^\n]*/g, ''))
      .join('');
    return /\bstepNow\b/.test(code);
  }

  /** The descriptor bindings of `name` (every shader in shaders/ has a descriptor). */
  bindingsOf(name: ShaderName): Bindings {
    const b = this.bindings.get(name);
    if (!b) throw new GpuError('validation', `${name}.wgsl: no kernel descriptor (stepKernels.ts, a model's GPU record) names this shader`);
    return b;
  }

  private header(name: ShaderName, storage: PStorage): string {
    return (
      WGSL_PREAMBLE +
      (shaderModel(name)?.preamble ?? '') +
      wgslBindings(this.bindingsOf(name), SHADER_TYPES[name], storage) +
      (this.usesStep(name) ? WGSL_STEP_BINDING : '')
    );
  }

  /** The module's parts after the header, each headed by a marker line naming its file: the snippets it includes, then the kernel file. */
  private parts(name: ShaderName): KernelPart[] {
    return kernelParts(name, this.sources).map((p) => ({ file: p.file, text: `// ---- ${p.file} ----\n${p.text}` }));
  }

  /** The WGSL compiled for `name` with P stored as `storage`: the header, the snippets it includes, then the kernel file. */
  code(name: ShaderName, storage: PStorage = 'f32'): string {
    return (
      this.header(name, storage) +
      this.parts(name)
        .map((p) => p.text)
        .join('')
    );
  }

  /** Where a line of the compiled module comes from (a part's marker line counts as the line before its first). */
  private sourceLine(name: ShaderName, moduleLine: number, storage: PStorage): { file: string; line: number } {
    let start = this.header(name, storage).split('\n').length - 1;
    if (moduleLine <= start) {
      const model = shaderModel(name);
      const from = model?.preamble ? `src/gpu/layout.ts and the ${model.name}'s GPU record` : 'src/gpu/layout.ts';
      return { file: `${name}.wgsl (generated header: ${from})`, line: moduleLine };
    }
    for (const p of this.parts(name)) {
      const lines = p.text.split('\n').length - 1;
      if (moduleLine <= start + lines) return { file: p.file, line: moduleLine - start - 1 };
      start += lines;
    }
    return { file: `${name}.wgsl`, line: moduleLine - start };
  }

  /** Compiler messages of one shader (errors, warnings, infos), with lines of the kernel file. */
  async messages(name: ShaderName, storage: PStorage = 'f32'): Promise<CompileMessage[]> {
    const module = this.device.createShaderModule({ label: `${name}.wgsl`, code: this.code(name, storage) });
    const info = await module.getCompilationInfo();
    return info.messages.map((m) => ({ type: m.type, ...this.sourceLine(name, m.lineNum, storage), column: m.linePos, message: m.message }));
  }

  module(name: ShaderName, storage: PStorage = 'f32'): Promise<GPUShaderModule> {
    const key = `${name}:${storage}`;
    let m = this.modules.get(key);
    if (!m) {
      m = (async () => {
        checkBindings(name, name, kernelSource(name, this.sources), this.bindingsOf(name));
        const label = storage === 'f32' ? `${name}.wgsl` : `${name}.wgsl (P as ${storage})`;
        const module = this.device.createShaderModule({ label, code: this.code(name, storage) });
        const info = await module.getCompilationInfo();
        const error = info.messages.find((x) => x.type === 'error');
        if (error) {
          const at = this.sourceLine(name, error.lineNum, storage);
          throw new ShaderCompileError(name, at.line, `${at.file}:${at.line}:${error.linePos}: ${error.message}`);
        }
        return module;
      })();
      this.modules.set(key, m);
    }
    return m;
  }

  /**
   * The compute pipeline of `name` with these override constants (entry point `main`). `kernel` names
   * the descriptor in messages; the descriptor's bindings must be the shader's (they are when both come
   * from one descriptor). `storage`: how the P buffers hold P (layout.ts pAccessors).
   */
  pipeline(
    name: ShaderName,
    constants: Record<string, number>,
    kernel: { name: string; bindings: Bindings } = { name, bindings: this.bindingsOf(name) },
    storage: PStorage = 'f32',
  ): Promise<GPUComputePipeline> {
    if (kernel.bindings !== this.bindingsOf(name)) checkBindings(kernel.name, name, kernelSource(name, this.sources), kernel.bindings);
    const key = `${name}:${storage}:${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = (async () => {
        const module = await this.module(name, storage);
        try {
          // an explicit layout (the descriptor's group 0, the step uniform's group 1): a dynamic offset needs one
          const group0 = this.device.createBindGroupLayout({
            label: `${name}.wgsl bindings`,
            entries: bindingLayoutEntries(this.bindingsOf(name), SHADER_TYPES[name]),
          });
          const groups = this.usesStep(name) ? [group0, this.stepLayout] : [group0];
          return await this.device.createComputePipelineAsync({
            label: `${kernel.name} (${name}.wgsl) pipeline`,
            layout: this.device.createPipelineLayout({ label: `${name}.wgsl layout`, bindGroupLayouts: groups }),
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

  /** A bind group for `name`'s pipeline: each of its descriptor's buffers, by name. */
  bindGroup(name: ShaderName, pipeline: GPUComputePipeline, buffers: Partial<Record<string, GPUBuffer>>, label: string = name): GPUBindGroup {
    return this.device.createBindGroup({
      label,
      layout: pipeline.getBindGroupLayout(0),
      entries: bindingNames(this.bindingsOf(name)).map((b, binding) => {
        const buffer = buffers[b];
        if (!buffer) throw new GpuError('validation', `${name}.wgsl: no buffer given for binding ${binding} '${b}'`);
        return { binding, resource: { buffer } };
      }),
    });
  }
}
