/**
 * The model interface (src/engine/models): each model's Jacobian view is its forward step's derivative.
 * J_t formed from jvp matches central finite differences of the forward step in the running state
 * (float64, 1e-6 relative), and for the RNN it is exactly the closed form (1-α) I + D W the spectra use.
 */
import { describe, expect, it } from 'vitest';
import { createModel, MODELS, type ModelKind } from '../src/engine/models';
import { stateJacobian } from '../src/engine/models/rnn';
import { Rng } from '../src/engine/rng';

const SHAPE = { n: 5, m: 2, o: 1, leak: 0.4 };

function modelAt(kind: ModelKind, s0: Float64Array) {
  const params = MODELS[kind].init(SHAPE, new Rng(3), 1.3, 'f64');
  return createModel(kind, params, s0);
}

describe.each(['rnn', 'lstm'] as const)('the %s model', (kind) => {
  const S = SHAPE.n * MODELS[kind].statesPerUnit;
  const rng = new Rng(11);
  const s0 = Float64Array.from({ length: S }, () => 0.5 * rng.normal());
  const x = Float64Array.from({ length: SHAPE.m }, () => rng.normal());

  it('J_t from the Jacobian view equals finite differences of the forward step', () => {
    const model = modelAt(kind, s0);
    expect(model.stateSize).toBe(S);
    model.forward(x, 0);
    const J = new Float64Array(S * S);
    model.stateJacobian(J);
    const eps = 1e-6;
    let worst = 0;
    for (let j = 0; j < S; j++) {
      const plus = Float64Array.from(s0);
      const minus = Float64Array.from(s0);
      plus[j] += eps;
      minus[j] -= eps;
      const a = modelAt(kind, plus);
      const b = modelAt(kind, minus);
      a.forward(x, 0);
      b.forward(x, 0);
      const sa = new Float64Array(S);
      const sb = new Float64Array(S);
      a.saveState(sa);
      b.saveState(sb);
      for (let i = 0; i < S; i++) worst = Math.max(worst, Math.abs((sa[i] - sb[i]) / (2 * eps) - J[i * S + j]));
    }
    const scale = Math.max(...Array.from(J, Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    expect(worst / scale).toBeLessThan(1e-6);
  });

  it('the state round-trips and the counts follow the registry', () => {
    const model = modelAt(kind, s0);
    const out = new Float64Array(S);
    model.saveState(out);
    expect(Array.from(out)).toEqual(Array.from(s0));
    expect(model.paramCount).toBe(MODELS[kind].paramCount(SHAPE));
    expect(model.rows).toBe(MODELS[kind].rowsPerUnit * SHAPE.n);
    expect(model.pathWeights().length).toBeGreaterThanOrEqual(SHAPE.n * SHAPE.n);
  });
});

describe('the RNN', () => {
  it('J_t from jvp is bit for bit the closed form (1-α) I + D W', () => {
    const s0 = Float64Array.from({ length: SHAPE.n }, (_, i) => 0.1 * (i - 2));
    const model = MODELS.rnn.create(MODELS.rnn.init(SHAPE, new Rng(4), 1.2, 'f64'), s0);
    model.forward(Float64Array.of(0.3, -0.7), 0);
    const viaJvp = new Float64Array(SHAPE.n * SHAPE.n);
    const closed = new Float64Array(SHAPE.n * SHAPE.n);
    model.stateJacobian(viaJvp);
    stateJacobian(model.params, model.state.d, closed);
    expect(viaJvp).toStrictEqual(closed);
  });
});
