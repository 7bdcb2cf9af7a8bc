/** The link format: a round trip keeps every setting; each bad field falls back alone and is named. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHOICES, decodeHash, DEFAULT_PARAMS, encodeHash, paramProblems, PARAM_BOUNDS, type LabParams } from '../src/app/labParams';

const arbParams: fc.Arbitrary<LabParams> = fc
  .record({
    task: fc.constantFrom(...CHOICES.task),
    model: fc.constantFrom(...CHOICES.model),
    n: fc.integer({ min: PARAM_BOUNDS.n.min, max: PARAM_BOUNDS.n.max }),
    kFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    strategy: fc.constantFrom(...CHOICES.strategy),
    refresh: fc.integer({ min: 0, max: 1000 }),
    rescale: fc.boolean(),
    optimizer: fc.constantFrom(...CHOICES.optimizer),
    lr: fc.double({ min: 1e-6, max: 1, noNaN: true }),
    leak: fc.double({ min: 0.01, max: 1, noNaN: true }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    speed: fc.integer({ min: 1, max: 500 }),
    backend: fc.constantFrom(...CHOICES.backend),
  })
  .map(({ kFraction, ...p }) => ({ ...p, k: Math.floor(kFraction * p.n) }));

describe('URL hash', () => {
  it('round-trips every valid configuration exactly, with nothing ignored', () => {
    fc.assert(
      fc.property(arbParams, (p) => {
        expect(paramProblems(p)).toEqual([]);
        const decoded = decodeHash(encodeHash(p));
        expect(decoded.ignored).toEqual([]);
        expect(decoded.params).toEqual(p);
      }),
      { numRuns: 200 },
    );
  });

  it('an empty hash gives the defaults', () => {
    const none = { params: DEFAULT_PARAMS, view: { present: false, claim: null }, ignored: [] };
    expect(decodeHash('')).toEqual(none);
    expect(decodeHash('#')).toEqual(none);
  });

  it('view flags (presenter mode, the claim on show) ride in the link without being settings', () => {
    const hash = encodeHash(DEFAULT_PARAMS, { present: true, claim: 'k4-recovers' });
    expect(decodeHash(hash)).toEqual({ params: DEFAULT_PARAMS, view: { present: true, claim: 'k4-recovers' }, ignored: [] });
    expect(decodeHash('#present=yes&claim=<script>').ignored).toHaveLength(2);
  });

  it('a bad field falls back to its default and is named; good fields are kept', () => {
    const { params, ignored } = decodeHash('#v=1&n=12&k=40&lr=abc&task=sine&strategy=top-k&bogus=1');
    expect(params.n).toBe(12);
    expect(params.strategy).toBe('top-k');
    expect(params.k).toBe(DEFAULT_PARAMS.k);
    expect(params.lr).toBe(DEFAULT_PARAMS.lr);
    expect(ignored.some((s) => s.startsWith('k=40'))).toBe(true);
    expect(ignored.some((s) => s.startsWith('lr=abc'))).toBe(true);
    expect(ignored.some((s) => s.startsWith('bogus'))).toBe(true);
    expect(ignored).toHaveLength(3);
  });

  it('the default k is lowered to n when n is smaller', () => {
    const { params } = decodeHash('#n=4');
    expect(params.k).toBeLessThanOrEqual(4);
    expect(paramProblems(params)).toEqual([]);
  });

  it('never throws and always yields valid settings, whatever the hash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const { params, ignored } = decodeHash('#' + s);
        expect(paramProblems(params)).toEqual([]);
        for (const i of ignored) expect(i.length).toBeLessThan(200);
      }),
      { numRuns: 500 },
    );
  });

  it('a long hostile value is shortened before it is echoed back', () => {
    const { ignored } = decodeHash('#task=' + 'x'.repeat(5000));
    expect(ignored[0].length).toBeLessThan(120);
  });
});
