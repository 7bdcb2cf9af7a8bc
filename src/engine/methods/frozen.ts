/**
 * The frozen arm: the pretrained network, never updated. It is the floor recovery is measured from
 * (science.md §6), and it costs only its forward pass.
 */
import { everyModel, fixedLabel, type MethodRecord } from './method';

export type FrozenMethod = { readonly kind: 'frozen' };

export const frozen: MethodRecord<FrozenMethod> = {
  kind: 'frozen',
  form: 'frozen',
  describe: 'no learning (the floor of recovery)',
  ...fixedLabel('frozen'),
  // the forward pass over W_h
  cost: (_m, { rows, n, bytesPerFloat }) => ({ macs: rows * n, bytes: rows * n * bytesPerFloat, carried: 0 }),
  estimators: everyModel(() => null),
  gpu: ['rnn', 'lstm'],
};
