/**
 * Adam and SGD, applied in place to one parameter vector; global-norm clipping scales the gradient
 * before either (the caller computes the norm over all of an arm's gradients).
 */
import { allocate, precisionOf, type Floats } from './precision';

export type OptimizerKind = 'adam' | 'sgd';

export interface OptimizerConfig {
  kind: OptimizerKind;
  lr: number;
  /** clip the global gradient norm to this value; 0 = no clipping */
  clipNorm: number;
}

export const DEFAULT_LR: Record<OptimizerKind, number> = { adam: 1e-3, sgd: 1e-2 };

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

export interface Optimizer {
  /** param <- param - update(scale · grad) */
  step(param: Floats, grad: Floats, scale: number): void;
  lr: number;
}

export class Adam implements Optimizer {
  private readonly m: Floats;
  private readonly v: Floats;
  private t = 0;
  constructor(
    size: number,
    public lr: number,
    like: Floats,
  ) {
    this.m = allocate(precisionOf(like), size);
    this.v = allocate(precisionOf(like), size);
  }
  step(param: Floats, grad: Floats, scale: number): void {
    this.t++;
    const bc1 = 1 - Math.pow(BETA1, this.t);
    const bc2 = 1 - Math.pow(BETA2, this.t);
    const stepSize = this.lr / bc1;
    const { m, v } = this;
    for (let i = 0; i < param.length; i++) {
      const g = grad[i] * scale;
      m[i] = BETA1 * m[i] + (1 - BETA1) * g;
      v[i] = BETA2 * v[i] + (1 - BETA2) * g * g;
      param[i] -= (stepSize * m[i]) / (Math.sqrt(v[i] / bc2) + EPS);
    }
  }
}

export class Sgd implements Optimizer {
  constructor(public lr: number) {}
  step(param: Floats, grad: Floats, scale: number): void {
    const s = this.lr * scale;
    for (let i = 0; i < param.length; i++) param[i] -= s * grad[i];
  }
}

export function createOptimizer(config: OptimizerConfig, like: Floats): Optimizer {
  return config.kind === 'adam' ? new Adam(like.length, config.lr, like) : new Sgd(config.lr);
}

/** Scale factor that brings the joint norm of `grads` down to `clipNorm` (1 when under it or off). */
export function clipScale(clipNorm: number, ...grads: Floats[]): number {
  if (!(clipNorm > 0)) return 1;
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  const norm = Math.sqrt(s);
  return norm > clipNorm ? clipNorm / norm : 1;
}
