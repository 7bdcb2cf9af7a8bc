/** Typed failures of the WebGPU engine: each says what went wrong in one line, with the numbers. */
export type GpuErrorKind = 'unavailable' | 'device-lost' | 'validation' | 'shader-compile' | 'memory-plan' | 'verification';

export class GpuError extends Error {
  constructor(
    readonly kind: GpuErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'GpuError';
  }
}

/** No navigator.gpu, no adapter, or requestDevice failed. */
export class GpuUnavailableError extends GpuError {
  constructor(
    readonly reason: 'no-webgpu' | 'no-adapter' | 'request-device-failed',
    message: string,
  ) {
    super('unavailable', message);
    this.name = 'GpuUnavailableError';
  }
}

export class GpuDeviceLostError extends GpuError {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super('device-lost', `WebGPU device lost (${reason}): ${message}`);
    this.name = 'GpuDeviceLostError';
  }
}

/** A WGSL compile error, naming the shader file and line. */
export class ShaderCompileError extends GpuError {
  constructor(
    readonly shader: string,
    readonly line: number,
    message: string,
  ) {
    super('shader-compile', message);
    this.name = 'ShaderCompileError';
  }
}

export class MemoryPlanError extends GpuError {
  constructor(
    readonly neededBytes: number,
    readonly availableBytes: number,
    message: string,
  ) {
    super('memory-plan', message);
    this.name = 'MemoryPlanError';
  }
}
