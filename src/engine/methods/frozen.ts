/**
 * The frozen arm: the pretrained network, never updated. It is the floor recovery is measured from
 * (science.md §6), and it costs only its forward pass.
 */
import type { MethodRecord } from './method';

export type FrozenMethod = { readonly kind: 'frozen' };

export const frozen: MethodRecord<FrozenMethod> = {
  kind: 'frozen',
  usage: 'frozen: no learning (the floor of recovery)',
  label: () => 'frozen',
  parse: (label) => (label === 'frozen' ? { kind: 'frozen' } : null),
  // the forward pass over W_h
  cost: (_m, { rows, n, bytesPerFloat }) => ({ macs: rows * n, bytes: rows * n * bytesPerFloat }),
  estimators: { rnn: () => null, lstm: () => null },
  gpu: ['rnn'],
};
