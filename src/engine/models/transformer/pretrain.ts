/**
 * Pretraining on regime A (protocol step 1) by the same forward/backward as the online arms, in
 * mini-batches of windows drawn from the regime-A stream. Two target rules [choice, toggle]:
 * - `all` (default): full-length windows and every position with an error signal is a target (the causal
 *   mask makes each a prediction from its own past). The last block then computes every query (about 4×
 *   the work per window at the default size), but the model learns from every context length, and on sine
 *   it adapted after the drift far better than one pretrained by `newest` (dense arm's adaptation loss
 *   0.040 vs 0.075-0.14, one seed, lr 3e-4), though `newest` fits regime A more closely;
 * - `newest`: each window ends at a step with an error signal, drawn uniformly, and only its newest
 *   position is a target: exactly the online loss, with the context the online arms will have.
 * Adam with a short linear warm-up and a cosine decay to a tenth.
 */
import { Adam, clipScale } from '../../optimizer';
import { allocate, precisionOf } from '../../precision';
import type { Rng } from '../../rng';
import type { Sequence } from '../../tasks/task';
import { TransformerWorkspace, type TransformerParams } from './model';

export interface TransformerPretrainOptions {
  /** optimizer steps */
  steps: number;
  /** windows per step */
  batch: number;
  lr: number;
  /** global-norm clip of the batch-mean gradient; 0 = off */
  clipNorm: number;
  /** which positions of a window are targets (see above); default all */
  targets?: 'newest' | 'all';
}

export const DEFAULT_TRANSFORMER_PRETRAIN: TransformerPretrainOptions = { steps: 600, batch: 8, lr: 1e-2, clipNorm: 1, targets: 'all' };

export interface TransformerPretrainResult {
  /** mean per-position loss of each block of 5 % of the steps */
  blockLoss: number[];
}

/** Trains `params` in place on windows of `seq`; window starts are drawn from `rng`. */
export function pretrainTransformer(params: TransformerParams, seq: Sequence, options: TransformerPretrainOptions, rng: Rng): TransformerPretrainResult {
  const blockLoss: number[] = [];
  if (options.steps <= 0) return { blockLoss };
  const shape = params.shape;
  const precision = precisionOf(params.theta);
  const ws = new TransformerWorkspace(shape, precision);
  const grad = allocate(precision, params.theta.length);
  const adam = new Adam(params.theta.length, options.lr, params.theta);
  const W = Math.min(shape.context, seq.length);
  const newest = options.targets === 'newest';
  // the steps with an error signal: window ends for the `newest` rule
  const ends: number[] = [];
  for (let t = 0; t < seq.length; t++) if (seq.errorMask[t] === 1) ends.push(t);
  if (ends.length === 0) return { blockLoss };
  const m = shape.inputSize;
  const o = shape.outputSize;
  const warmup = Math.max(1, Math.min(100, Math.floor(options.steps / 10)));
  const blockSize = Math.max(1, Math.floor(options.steps / 20));
  let blockSum = 0;
  let blockCount = 0;
  for (let step = 0; step < options.steps; step++) {
    grad.fill(0);
    let used = 0;
    for (let b = 0; b < options.batch; b++) {
      let start: number;
      let T = W;
      if (newest) {
        const end = ends[rng.int(ends.length)];
        start = Math.max(0, end - W + 1);
        T = end - start + 1;
      } else {
        start = rng.int(seq.length - W + 1);
      }
      ws.run(params, seq.x, start * m, T, seq.reset, start, newest ? T - 1 : 0);
      const targets = { y: seq.y, yOff: start * o, mask: seq.errorMask, maskOff: start };
      const loss = ws.windowLoss(targets);
      const count = ws.lossCount;
      if (count === 0) continue;
      blockSum += loss / count;
      blockCount++;
      used++;
      // mean over the window's positions; the batch mean is taken below
      ws.backward(params, targets, 1 / count, grad, null);
    }
    if (used > 0) {
      const s = clipScale(options.clipNorm * used, grad) / used;
      const decay = 0.1 + 0.45 * (1 + Math.cos((Math.PI * step) / options.steps));
      adam.lr = options.lr * Math.min(1, (step + 1) / warmup) * decay;
      adam.step(params.theta, grad, s);
    }
    if ((step + 1) % blockSize === 0 || step === options.steps - 1) {
      blockLoss.push(blockCount > 0 ? blockSum / blockCount : NaN);
      blockSum = 0;
      blockCount = 0;
    }
  }
  return { blockLoss };
}
