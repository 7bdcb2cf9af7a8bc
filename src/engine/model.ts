/**
 * Which recurrent model an experiment trains: the vanilla (leaky) RNN of science.md §2 or the LSTM of §5.
 * Both read out y_t = V h_t + c and keep their recurrent parameters θ in one flat vector whose rows are
 * [W_h | W_x | b] blocks: n rows for the RNN, 4n (gates i, f, g, o) for the LSTM.
 */
export type ModelKind = 'rnn' | 'lstm';
export const MODEL_KINDS: readonly ModelKind[] = ['rnn', 'lstm'];

/** Preactivation rows per hidden unit: 1 for the RNN, 4 gates for the LSTM. */
export function rowsPerUnit(model: ModelKind): number {
  return model === 'lstm' ? 4 : 1;
}
