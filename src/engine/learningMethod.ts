/**
 * What an arm of the experiment does with its gradient transport. Parsed from and printed to the short
 * labels the CLI and tables use: `frozen`, `full`, `k=4`.
 */
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
    };

export function methodLabel(method: LearningMethod): string {
  switch (method.kind) {
    case 'frozen':
      return 'frozen';
    case 'full':
      return 'full';
    case 'sparse':
      return `k=${method.k}`;
  }
}

/** Theoretical work of one step's P update: multiply-adds and bytes moved (science.md §3-§4). */
export function methodCost(method: LearningMethod, n: number, p: number, bytesPerFloat = 4): { macs: number; bytes: number } {
  if (method.kind === 'frozen') return { macs: n * n, bytes: n * n * bytesPerFloat };
  const k = method.kind === 'full' ? n : method.k;
  // transport k·n·p, immediate and gradient n·p; reads k+1 source rows (with the carry) and writes one
  const macs = k * n * p + 2 * n * p;
  const bytes = (k + 2) * n * p * bytesPerFloat;
  return { macs, bytes };
}
