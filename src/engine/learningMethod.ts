/**
 * What an arm of the experiment does with its gradient transport. Parsed from and printed to the short
 * labels the CLI and tables use: `frozen`, `full`, `k=4`, `uoro`, `kf`, `snap1`, `tbptt:20`.
 */
import { rowsPerUnit, type ModelKind } from './model';
import type { SelectionStrategy } from './transportMask';

export type LearningMethod =
  | { readonly kind: 'frozen' }
  | { readonly kind: 'full' }
  | {
      readonly kind: 'sparse';
      /** kept incoming paths per unit, 0..n */
      readonly k: number;
      readonly strategy: SelectionStrategy;
      /** redraw the selection every R adaptation steps; 0 = drawn once and held fixed */
      readonly refreshEvery: number;
      /** multiply the kept transport by n/k [choice, off by default] */
      readonly rescale: boolean;
    }
  /** UORO: rank-1 unbiased estimate s θ̃ᵀ of P, Rademacher noise (science.md §4) */
  | { readonly kind: 'uoro' }
  /** KF-RTRL: Kronecker-factored unbiased estimate u ⊗ A of P, random signs (science.md §4) */
  | { readonly kind: 'kf' }
  /** SnAp-1: only the entries P[i,(i,l)] that the immediate term touches (the e-prop trace) */
  | { readonly kind: 'snap1' }
  /** online truncated BPTT: each step's loss backpropagated through the last `truncation` steps */
  | { readonly kind: 'tbptt'; readonly truncation: number };

/** Every method kind, in the order the usage text lists them. */
export const METHOD_KINDS: readonly LearningMethod['kind'][] = ['frozen', 'full', 'sparse', 'uoro', 'kf', 'snap1', 'tbptt'];

export function methodLabel(method: LearningMethod): string {
  switch (method.kind) {
    case 'frozen':
      return 'frozen';
    case 'full':
      return 'full';
    case 'sparse':
      return `k=${method.k}`;
    case 'uoro':
    case 'kf':
    case 'snap1':
      return method.kind;
    case 'tbptt':
      return `tbptt:${method.truncation}`;
  }
}

/**
 * The inverse of methodLabel for the CLI's --arms list: `frozen`, `full`, `k=4`, `uoro`, `kf`, `snap1`,
 * `tbptt:20`. Sparse arms take their strategy, refresh and rescale from `sparseDefaults`. Returns null for
 * an unknown label; ranges (k ≤ n, τ ≥ 1) are validateConfig's job.
 */
export function parseMethodLabel(
  label: string,
  sparseDefaults: { strategy: SelectionStrategy; refreshEvery: number; rescale: boolean },
): LearningMethod | null {
  const s = label.trim();
  if (s === 'frozen' || s === 'full' || s === 'uoro' || s === 'kf' || s === 'snap1') return { kind: s };
  const k = /^k=(.+)$/.exec(s);
  if (k) return { kind: 'sparse', k: strictNumber(k[1]), ...sparseDefaults };
  const tau = /^tbptt:(.+)$/.exec(s);
  if (tau) return { kind: 'tbptt', truncation: strictNumber(tau[1]) };
  return null;
}

/** Number(s) but NaN for '' and whitespace, so 'k=' is rejected rather than read as k = 0. */
function strictNumber(s: string): number {
  return s.trim() === '' ? NaN : Number(s);
}

/**
 * Theoretical work of one step's gradient estimate: multiply-adds and bytes moved (science.md §3-§5).
 * `p` is the recurrent parameter count (columns of P). For the LSTM the sensitivity has two blocks (P^h,
 * P^c) and the three cell gates share one transport (their W_h rows are folded into one coefficient per
 * kept path), so full RTRL costs 2 n·n·p (= 8 n⁴ for small m), half of §5's unfused 16 n⁴.
 */
export function methodCost(
  method: LearningMethod,
  n: number,
  p: number,
  bytesPerFloat = 4,
  model: ModelKind = 'rnn',
): { macs: number; bytes: number } {
  const rows = rowsPerUnit(model) * n; // R: preactivation rows (n, or 4n gates)
  const hHat = p / rows; // L = n + m + 1, the length of ĥ_t = [h_{t-1}; x_t; 1]
  const states = model === 'lstm' ? 2 * n : n; // S: state entries ([h; c] for the LSTM)
  const jvp = rows * n; // J_t v: one pass over W_h
  const b = bytesPerFloat;
  switch (method.kind) {
    case 'frozen':
      return { macs: rows * n, bytes: rows * n * b };
    case 'full':
    case 'sparse': {
      const k = method.kind === 'full' ? n : method.k;
      if (model === 'lstm') {
        // P^c and P^h each transport k source rows of P^h; carries, the c -> h term and g_t are n·p each
        return { macs: 2 * k * n * p + 3 * n * p, bytes: (2 * k + 5) * n * p * b };
      }
      // transport k·n·p, immediate and gradient n·p; reads k+1 source rows (with the carry) and writes one
      return { macs: k * n * p + 2 * n * p, bytes: (k + 2) * n * p * b };
    }
    case 'snap1':
      // each kept entry: carry, self-path and immediate term, then its share of g_t; read, write, g
      return model === 'lstm'
        ? { macs: 6 * p + p, bytes: 5 * p * b }
        : { macs: 3 * p + p, bytes: 3 * p * b };
    case 'uoro':
      // J s, then νᵀF, the θ̃ update, two norms and ĝ = (cᵀs) θ̃, each O(p)
      return { macs: jvp + 5 * p + 4 * states, bytes: (jvp + 3 * p + 4 * states) * b };
    case 'kf':
      // J A over the R columns of A (n³ for the RNN, 16 n³ for the LSTM), norms, cᵀA and g = (cᵀA) ⊗ u
      return { macs: rows * jvp + 3 * states * rows + p + 2 * hHat, bytes: (jvp + 2 * states * rows + p) * b };
    case 'tbptt': {
      // per window step: δ through W_hᵀ, the outer product into g, the elementwise gates
      const tau = method.truncation;
      const elementwise = model === 'lstm' ? 12 * n : 3 * n;
      return { macs: tau * (jvp + p + elementwise), bytes: tau * (jvp + 2 * p + elementwise) * b };
    }
  }
}
