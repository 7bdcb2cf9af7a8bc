/**
 * Which sparse transport kernel a batch runs (see docs/gpu-engine.md). Filled in below.
 */
import type { ShaderName } from './shaderSources';

/** Every shader that implements the sparse transport descriptor (same bindings, same result). */
export const SPARSE_SHADERS: readonly ShaderName[] = ['sparseTransport'];
