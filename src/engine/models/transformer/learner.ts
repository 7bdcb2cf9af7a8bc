/**
 * One online arm of the transformer experiment: each step it appends x_t to its context (the last W
 * inputs since the latest reset), runs the forward over that window, takes L_t = ½‖ŷ_t − y*_t‖² at the
 * newest position, backpropagates exactly through the window with head-sparse transport, and makes one
 * optimizer step (global-norm clipping, then Adam or SGD) where errorMask_t = 1. The readout arm runs
 * the forward and the output head's gradient only, and steps the head alone. Nothing is allocated inside
 * `step`.
 */
import type { Learner } from '../../learner';
import { allFinite } from '../../onlineUpdate';
import { clipScale, createOptimizer, type Optimizer, type OptimizerConfig } from '../../optimizer';
import { allocate, precisionOf, type Floats } from '../../precision';
import type { Rng } from '../../rng';
import type { Sequence } from '../../tasks/task';
import { headArmLabel, headCount, selectHeads, type HeadArm } from './headSelection';
import { cloneTransformer, HeadTransport, TransformerWorkspace, type TransformerParams, type WindowTargets } from './model';

export interface TransformerLearnerOptions {
  optimizer: OptimizerConfig;
  /** the stream S_ℓ is drawn from (random strategy) */
  selectionRng: Rng;
  /** measure every head's ‖∂L/∂o^h‖ every step (the app's heads panel; costs the δo^h of the other heads) */
  trackHeads?: boolean;
  /** compute gradients but never update θ (tests) */
  frozenParams?: boolean;
}

export class TransformerLearner implements Learner {
  readonly arm: HeadArm;
  readonly label: string;
  readonly params: TransformerParams;
  readonly workspace: TransformerWorkspace;
  /** null for the frozen and readout arms (no head carries gradient) */
  readonly transport: HeadTransport | null;
  /** ∂L_t/∂θ of the last update (as used before clipping; the readout arm fills the head's slice only) */
  readonly grad: Floats;
  /** the output head's slice of θ, [W_r; b_r] (a view: contiguous at the end of θ) */
  readonly headTheta: Floats;
  /** the head's slice of `grad` (a view) */
  readonly headGrad: Floats;
  /** |S_ℓ| */
  readonly headsPerLayer: number;
  /** adaptation steps taken */
  stepsTaken = 0;
  /** optimizer updates made */
  updates = 0;
  /** the adaptation step of the first NaN/Inf, or -1 */
  divergedAt = -1;
  /** positions in the context now */
  length = 0;
  /** times S_ℓ was chosen */
  selectionsMade = 0;
  private readonly context: Floats;
  private readonly optimizer: Optimizer | null;
  private readonly options: TransformerLearnerOptions;
  private readonly scratchA: Int32Array;
  private readonly scratchB: Int32Array;
  private readonly chooseByNorm: ((layer: number, t: HeadTransport) => void) | null;

  constructor(params: TransformerParams, arm: HeadArm, options: TransformerLearnerOptions) {
    const precision = precisionOf(params.theta);
    const shape = params.shape;
    this.arm = arm;
    this.label = headArmLabel(arm);
    this.params = cloneTransformer(params);
    this.options = options;
    this.workspace = new TransformerWorkspace(shape, precision);
    this.context = allocate(precision, shape.context * shape.inputSize);
    this.grad = allocate(precision, params.theta.length);
    this.scratchA = new Int32Array(shape.heads);
    this.scratchB = new Int32Array(shape.heads);
    const lay = this.params.layout;
    const headEnd = lay.br + shape.outputSize;
    if (lay.br !== lay.wr + shape.outputSize * shape.dModel) throw new Error('transformer layout: W_r and b_r are not contiguous');
    this.headTheta = this.params.theta.subarray(lay.wr, headEnd);
    this.headGrad = this.grad.subarray(lay.wr, headEnd);
    if (arm.kind === 'frozen' || arm.kind === 'readout') {
      this.transport = null;
      // the readout arm's optimizer state covers the head only
      this.optimizer = arm.kind === 'readout' ? createOptimizer(options.optimizer, this.headTheta) : null;
      this.headsPerLayer = 0;
      this.chooseByNorm = null;
    } else {
      this.headsPerLayer = headCount(arm.fraction, shape.heads);
      this.transport = new HeadTransport(shape.layers, shape.heads, {
        woLocal: arm.woLocal,
        qkvLocal: arm.qkvLocal,
        measureNorms: options.trackHeads ?? false,
      });
      // until the first choice every head is marked as carrying (ρ = 1 never chooses)
      this.optimizer = createOptimizer(options.optimizer, this.params.theta);
      const H = shape.heads;
      const count = this.headsPerLayer;
      const strategy = arm.strategy;
      this.chooseByNorm =
        strategy === 'random'
          ? null
          : (layer: number, t: HeadTransport) =>
              selectHeads(strategy, layer, H, count, t.norms, options.selectionRng, t.selected, this.scratchA, this.scratchB);
    }
  }

  /** Appends inputs x_from..x_{to−1} of `seq` to the context without learning (the tail of regime A). */
  prime(seq: Sequence, from: number, to: number): void {
    for (let t = Math.max(0, from); t < to; t++) {
      if (seq.reset[t] === 1) this.length = 0;
      this.push(seq.x, t * seq.inputSize);
    }
  }

  /** Changes the learning rate mid-run (the UI's live control). */
  setLearningRate(lr: number): void {
    if (this.optimizer) this.optimizer.lr = lr;
  }

  /** No sensitivity P: what the arm carries is its context window (NaN, as for frozen). */
  sensitivityNorm(): number {
    return NaN;
  }

  /** The first output at the newest position of the last forward pass (NaN before the first). */
  output(): number {
    const T = this.workspace.T;
    return T > 0 ? this.workspace.yhat[(T - 1) * this.params.shape.outputSize] : NaN;
  }

  /** The newest position's attention over the window for (layer, head) into out[outOff ..+ W] (0 past the window). */
  newestAttention(layer: number, head: number, out: Float32Array | Float64Array, outOff = 0): void {
    const W = this.params.shape.context;
    const T = this.workspace.T;
    if (T === 0) {
      out.fill(0, outOff, outOff + W);
      return;
    }
    const row = (head * W + (T - 1)) * W;
    const att = this.workspace.att[layer];
    for (let j = 0; j < W; j++) out[outOff + j] = j < T ? att[row + j] : 0;
  }

  /** One online step on step t of `seq`; returns L_t at the newest position (NaN once diverged). */
  step(seq: Sequence, t: number): number {
    if (this.divergedAt >= 0) return NaN;
    this.stepsTaken++;
    const shape = this.params.shape;
    const o = shape.outputSize;
    if (seq.reset[t] === 1) this.length = 0;
    this.push(seq.x, t * shape.inputSize);
    const T = this.length;
    const ws = this.workspace;
    ws.run(this.params, this.context, 0, T, null, 0, T - 1);
    // y*_t sits at position T−1 of the window: yOff + (T−1)·o = t·o
    const yOff = t * o - (T - 1) * o;
    const targets = { y: seq.y, yOff, mask: null, maskOff: 0 };
    const loss = ws.windowLoss(targets);
    if (!Number.isFinite(loss)) return this.diverge();
    if (this.arm.kind === 'readout') return this.headStep(seq, t, targets, loss);
    const transport = this.transport;
    if (transport === null || this.optimizer === null || seq.errorMask[t] !== 1) return loss;

    const arm = this.arm as Extract<HeadArm, { kind: 'heads' }>;
    const R = arm.refreshEvery;
    const choose = this.updates === 0 || (R > 0 && this.updates % R === 0);
    if (this.headsPerLayer < shape.heads) {
      if (arm.strategy === 'random') {
        if (choose) {
          for (let l = 0; l < shape.layers; l++) {
            selectHeads(
              'random',
              l,
              shape.heads,
              this.headsPerLayer,
              transport.norms,
              this.options.selectionRng,
              transport.selected,
              this.scratchA,
              this.scratchB,
            );
          }
          this.selectionsMade++;
        }
        transport.onLayerNorms = null;
      } else {
        transport.onLayerNorms = choose ? this.chooseByNorm : null;
        if (choose) this.selectionsMade++;
      }
    }
    transport.norms.fill(NaN);
    const grad = this.grad;
    grad.fill(0);
    ws.backward(this.params, targets, 1, grad, transport);
    this.updates++;
    if (this.options.frozenParams) return loss;

    let sq = 0;
    for (let i = 0; i < grad.length; i++) sq += grad[i] * grad[i];
    if (!Number.isFinite(sq)) return this.diverge();
    const scale = clipScale(this.options.optimizer.clipNorm, grad);
    this.optimizer.step(this.params.theta, grad, scale);
    return allFinite(this.params.theta) ? loss : this.diverge();
  }

  /** The readout arm's update: the head's exact gradient from LN_f(z^L), clipped over the head alone. */
  private headStep(seq: Sequence, t: number, targets: WindowTargets, loss: number): number {
    if (this.optimizer === null || seq.errorMask[t] !== 1) return loss;
    const g = this.headGrad;
    g.fill(0);
    this.workspace.headBackward(this.params, targets, 1, this.grad);
    this.updates++;
    if (this.options.frozenParams) return loss;
    let sq = 0;
    for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
    if (!Number.isFinite(sq)) return this.diverge();
    // clipScale's rule on the norm already summed (no rest-argument array, no second pass)
    const clip = this.options.optimizer.clipNorm;
    const norm = Math.sqrt(sq);
    this.optimizer.step(this.headTheta, g, clip > 0 && norm > clip ? clip / norm : 1);
    return allFinite(this.headTheta) ? loss : this.diverge();
  }

  private push(x: ArrayLike<number>, off: number): void {
    const m = this.params.shape.inputSize;
    const W = this.params.shape.context;
    const ctx = this.context;
    if (this.length === W) ctx.copyWithin(0, m, W * m);
    else this.length++;
    const at = (this.length - 1) * m;
    for (let j = 0; j < m; j++) ctx[at + j] = x[off + j];
  }

  private diverge(): number {
    this.divergedAt = this.stepsTaken - 1;
    return NaN;
  }
}
