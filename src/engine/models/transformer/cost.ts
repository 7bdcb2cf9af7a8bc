/**
 * Theoretical work of one online step of a transformer arm with a full context (T = W): multiply-adds and
 * bytes moved, counted from the loops of model.ts (forward over the window with one query in the last
 * block, backward with head-sparse transport, the optimizer step). Softmax exponentials, LayerNorm and
 * GELU count as one multiply-add per element. The readout arm is the forward plus the output head's
 * gradient and update only: no backward below the head.
 */
import type { HeadArm } from './headSelection';
import { headCount } from './headSelection';
import { transformerDims, transformerParamCount, type TransformerShape } from './model';

export interface TransformerCost {
  macs: number;
  bytes: number;
  /** of which the forward pass */
  forwardMacs: number;
  /** of which the backward pass */
  backwardMacs: number;
}

export function transformerArmCost(shape: TransformerShape, arm: HeadArm, options: { bytesPerFloat?: number; trackHeads?: boolean } = {}): TransformerCost {
  const b = options.bytesPerFloat ?? 4;
  // T is the context W: a full window of positions
  const { d, m, o, H, dh, F, W: T, L } = transformerDims(shape);
  const P = transformerParamCount(shape);
  const queries = (l: number) => (l === L - 1 ? 1 : T);
  // Σ over query positions of the context each attends to
  const attended = (l: number) => (l === L - 1 ? T : (T * (T + 1)) / 2);

  let fwd = T * d * m + T * d;
  let fwdBytes = P; // every weight read once
  for (let l = 0; l < L; l++) {
    const nq = queries(l);
    fwd += 2 * T * d; // LN₁
    fwd += 2 * T * d * d + nq * d * d; // K, V over the window, Q at the query positions
    fwd += 2 * d * attended(l) + H * attended(l); // scores, weighted values, softmax
    fwd += nq * d * d + nq * 2 * d; // W_O, LN₂
    fwd += 2 * nq * d * F + nq * F; // MLP and GELU
    fwdBytes += T * d * 6 + nq * (3 * d + 2 * F) + H * attended(l); // activations written
  }
  fwd += 2 * d + d * o;
  if (arm.kind === 'frozen') return { macs: fwd, bytes: fwdBytes * b, forwardMacs: fwd, backwardMacs: 0 };
  if (arm.kind === 'readout') {
    // δŷ at the newest position, δW_r = δŷ ⊗ LN_f(z^L), δb_r = δŷ; then ‖g‖², the clip and Adam over the head
    const head = o * d + o;
    const headBwd = o * d + o;
    const headBytes = head /* grad zeroed */ + d /* LN_f(z^L) read */ + 5 * head; /* g, m, v read; m, v, θ written */
    return { macs: fwd + headBwd + 5 * head, bytes: (fwdBytes + headBytes) * b, forwardMacs: fwd, backwardMacs: headBwd };
  }

  const c = headCount(arm.fraction, H);
  const dense = c === H;
  const measure = !dense && (arm.strategy !== 'random' || options.trackHeads === true);
  const woHeads = arm.woLocal || dense ? H : c;
  const dOHeads = measure || arm.qkvLocal ? H : c;
  const runHeads = arm.qkvLocal ? H : c;
  let bwd = 2 * d * o + 3 * d;
  let bwdBytes = 0;
  for (let l = L - 1; l >= 0; l--) {
    const nq = queries(l);
    bwd += 4 * nq * d * F + nq * F + 3 * nq * d; // MLP weights' gradients and transposes, GELU', LN₂ᵀ
    bwd += woHeads * nq * d * dh; // δW_O^h
    bwd += dOHeads * nq * d * dh; // δo^h = W_O^hᵀ δu
    bwd += runHeads * (4 * dh * attended(l) + (2 * T + nq) * dh * d); // softmax backward, δW_{q,k,v}^h
    bwd += c * (2 * T + nq) * dh * d; // δa through W_{q,k,v}^h of the heads in S_ℓ
    if (c > 0) bwd += 3 * T * d; // LN₁ᵀ
    // weights read by the backward: MLP, W_O, the Q/K/V rows of the heads that run; their gradients written
    bwdBytes += 2 * (2 * d * F) + (woHeads + dOHeads) * d * dh + runHeads * 3 * dh * d * 2;
    bwdBytes += nq * (2 * F + 4 * d) + T * d * (runHeads > 0 ? 4 : 1); // activations read, δ buffers
  }
  bwd += T * d * (m + 1); // embedding
  // the update: ‖g‖², the clip and Adam (m, v, θ) over every parameter
  const update = 5 * P;
  bwdBytes += P /* grad zeroed */ + 5 * P; /* g, m, v read; m, v, θ written */
  return { macs: fwd + bwd + update, bytes: (fwdBytes + bwdBytes) * b, forwardMacs: fwd, backwardMacs: bwd };
}
