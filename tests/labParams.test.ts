/** The link format: a round trip keeps every setting; each bad field falls back alone and is named. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASELINE_ARMS } from '../src/app/contract';
import { CSV_FILE_LIMIT_BYTES } from '../src/app/contract/csv';
import { CSV_HORIZON_BOUNDS, CSV_LIMITS, MISSING_POLICIES } from '../src/engine/tasks/csv';
import {
  capProblems,
  CHOICES,
  CSV_HORIZON_LINK_BOUNDS,
  decodeHash,
  DEFAULT_PARAMS,
  defaultLr,
  encodeHash,
  MAX_BASELINES,
  NOTICE_CAP,
  paramProblems,
  PARAM_BOUNDS,
  RESTART_KEYS,
  withChange,
  type LabParams,
} from '../src/app/labParams';
import { defaultLearningRate } from '../src/engine/learningRates';

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
    adapt: fc.integer({ min: 100, max: 100_000 }),
    backend: fc.constantFrom(...CHOICES.backend),
    headFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    delayA: fc.integer({ min: 1, max: 64 }),
    delayB: fc.integer({ min: 1, max: 64 }),
    length: fc.integer({ min: 2, max: 10_000 }),
    baselines: fc.subarray(
      BASELINE_ARMS.map((b) => b.id),
      { maxLength: MAX_BASELINES },
    ),
    truncation: fc.integer({ min: 1, max: 256 }),
    csvInputs: fc
      .array(
        fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !s.includes(',')),
        { minLength: 1, maxLength: 4 },
      )
      .map((a) => a.join(',')),
    csvTarget: fc.string({ maxLength: 30 }),
    csvHorizon: fc.integer({ min: 0, max: 10_000 }),
    csvDrift: fc.oneof(fc.integer({ min: 2, max: 1_000_000 }).map(String), fc.constant('2020-02-01')),
    csvMissing: fc.constantFrom(...CHOICES.csvMissing),
  })
  // a task's parameters ride in the link with their own task only; the others stay at their defaults
  .map(({ kFraction, ...p }) => ({
    ...p,
    k: Math.floor(kFraction * p.n),
    delayA: p.task === 'delay' ? p.delayA : DEFAULT_PARAMS.delayA,
    delayB: p.task === 'delay' ? p.delayB : DEFAULT_PARAMS.delayB,
    length: p.task === 'adding' || p.task === 'adding-difference' ? p.length : DEFAULT_PARAMS.length,
    // τ rides in the link beside TBPTT only
    truncation: p.baselines.includes('tbptt') ? p.truncation : DEFAULT_PARAMS.truncation,
    // the csv task's choice rides in the link with task=csv only
    ...(p.task === 'csv' ? {} : { csvInputs: '', csvTarget: '', csvHorizon: DEFAULT_PARAMS.csvHorizon, csvDrift: '', csvMissing: DEFAULT_PARAMS.csvMissing }),
  }));

describe('URL hash', () => {
  it('baselines ride in the link as one list in listing order, τ beside TBPTT; a bad or extra one is named and dropped', () => {
    const p: LabParams = { ...DEFAULT_PARAMS, baselines: ['uoro', 'tbptt'], truncation: 4 };
    expect(encodeHash(p)).toContain('baselines=uoro%2Ctbptt&truncation=4');
    expect(encodeHash(DEFAULT_PARAMS)).not.toContain('baselines');
    expect(encodeHash({ ...DEFAULT_PARAMS, truncation: 4 })).not.toContain('truncation');
    const d = decodeHash('#v=1&baselines=tbptt,nope,uoro,uoro&k=3');
    expect(d.params.baselines).toEqual(['uoro', 'tbptt']);
    expect(d.params.k).toBe(3);
    expect(d.ignored).toEqual(['baselines: nope (must be among uoro, kf, snap1, tbptt)']);
    const all = decodeHash('#v=1&baselines=tbptt,snap1,kf,uoro');
    expect(all.params.baselines).toEqual(['uoro', 'kf', 'snap1']);
    expect(all.ignored).toEqual([`baselines: tbptt (at most ${MAX_BASELINES} at a time, 8 arms on the chart)`]);
    expect(paramProblems({ ...DEFAULT_PARAMS, baselines: ['uoro', 'kf', 'snap1', 'tbptt'] })).toEqual([
      `at most ${MAX_BASELINES} baselines at a time (8 arms on the chart)`,
    ]);
    expect(paramProblems({ ...DEFAULT_PARAMS, baselines: ['uoro', 'uoro'] })).toHaveLength(1);
    expect(paramProblems({ ...DEFAULT_PARAMS, truncation: 0 })).toEqual(['truncation must be in [1, 256]']);
    // adding one restarts the run: every arm from the same drift, in lockstep
    expect(RESTART_KEYS).toEqual(expect.arrayContaining(['baselines', 'truncation']));
  });

  it('the delay task’s τ and the adding length ride in the link with their task; a bad one falls back and is named', () => {
    const p: LabParams = { ...DEFAULT_PARAMS, task: 'delay', delayA: 2, delayB: 6 };
    expect(encodeHash(p)).toContain('delayA=2&delayB=6');
    expect(encodeHash({ ...p, task: 'sine' })).not.toContain('delay');
    expect(decodeHash(encodeHash(p)).params).toEqual(p);
    const bad = decodeHash('#task=delay&delayA=0&delayB=65&length=1');
    expect(bad.params.delayA).toBe(DEFAULT_PARAMS.delayA);
    expect(bad.params.delayB).toBe(DEFAULT_PARAMS.delayB);
    expect(bad.ignored).toEqual([
      'delayA=0 (must be an integer in [1, 64])',
      'delayB=65 (must be an integer in [1, 64])',
      'length=1 (must be an integer in [2, 10000])',
    ]);
  });

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
    // the value is clipped; the list of valid tasks after it grows with the tasks
    expect(ignored[0].length).toBeLessThan(60 + CHOICES.task.join(', ').length);
    expect(ignored[0]).not.toContain('x'.repeat(25));
  });

  it('a flood of unknown keys is counted, not echoed, and the notice lists at most five problems', () => {
    const hash = '#' + Array.from({ length: 5000 }, (_, i) => `junk${i}=1`).join('&');
    const { ignored } = decodeHash(hash);
    expect(ignored.length).toBe(NOTICE_CAP + 1);
    expect(ignored.at(-1)).toBe(`${5000 - NOTICE_CAP} more unknown settings`);
    const line = capProblems(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(line).toBe('a; b; c; d; e; and 2 more');
    expect(capProblems(['a', 'b'])).toBe('a; b');
  });

  it('a repeated key is reported, the first value is used', () => {
    const { params, ignored } = decodeHash('#n=12&n=40&k=2');
    expect(params.n).toBe(12);
    expect(ignored).toEqual(['n given 2 times (the first is used)']);
  });

  it('k is judged against the n the link actually runs', () => {
    // n=512 is out of range, so the default n runs and k=512 is judged against it, saying why
    const { params, ignored } = decodeHash('#n=512&k=512');
    expect(params.n).toBe(DEFAULT_PARAMS.n);
    expect(ignored.find((i) => i.startsWith('k=512'))).toContain(`n is the default ${DEFAULT_PARAMS.n}, since the link’s n was ignored`);
    expect(decodeHash('#n=200&k=150').params.k).toBe(150);
  });
});

describe('learning-rate defaults', () => {
  it('one default per task, model and optimizer, from the engine’s table, in the link and in the controls', () => {
    expect(DEFAULT_PARAMS.lr).toBe(defaultLearningRate('sine', 'adam', 'rnn'));
    const sgdLink = decodeHash('#optimizer=sgd').params;
    expect(sgdLink.lr).toBe(defaultLearningRate('sine', 'sgd', 'rnn'));
    // choosing SGD in the control gives the same rate as the link
    expect(withChange(DEFAULT_PARAMS, 'optimizer', 'sgd').lr).toBe(sgdLink.lr);
  });

  it('changing task resets lr to the task’s default unless the user set it', () => {
    const next = withChange(DEFAULT_PARAMS, 'task', 'lorenz');
    expect(next.lr).toBe(defaultLr(next));
    const userSet = { ...DEFAULT_PARAMS, lr: 0.0042 };
    expect(withChange(userSet, 'task', 'lorenz').lr).toBe(0.0042);
    expect(withChange(userSet, 'optimizer', 'sgd').lr).toBe(0.0042);
  });

  it('a link at the default rate leaves lr out, so it follows the default; a set rate is kept', () => {
    expect(encodeHash(DEFAULT_PARAMS)).not.toContain('lr=');
    expect(decodeHash(encodeHash({ ...DEFAULT_PARAMS, lr: 0.0042 })).params.lr).toBe(0.0042);
  });

  it('a smaller n lowers k', () => {
    expect(withChange({ ...DEFAULT_PARAMS, k: 32 }, 'n', 16).k).toBe(16);
  });
});

describe('the csv task in the link', () => {
  it('keeps the choice (columns, horizon, drift, missing cells) with task=csv, never the file, and drops it for other tasks', () => {
    const p: LabParams = {
      ...DEFAULT_PARAMS,
      task: 'csv',
      csvInputs: 'temp,humidity',
      csvTarget: 'load',
      csvHorizon: 3,
      csvDrift: '2020-06-01',
      csvMissing: 'ffill',
    };
    const hash = encodeHash(p);
    expect(hash).toContain('csvInputs=temp%2Chumidity');
    expect(hash).toContain('csvDrift=2020-06-01');
    expect(decodeHash(hash)).toEqual({ params: p, view: { present: false, claim: null }, ignored: [] });
    expect(encodeHash({ ...p, task: 'sine' })).not.toContain('csv');
  });

  it('a bad horizon or missing-cell policy falls back alone and is named; the columns are kept', () => {
    const { params, ignored } = decodeHash('#task=csv&csvInputs=a,b&csvTarget=c&csvHorizon=-1&csvMissing=guess&csvDrift=120');
    expect(params).toMatchObject({
      task: 'csv',
      csvInputs: 'a,b',
      csvTarget: 'c',
      csvDrift: '120',
      csvHorizon: DEFAULT_PARAMS.csvHorizon,
      csvMissing: 'error',
    });
    expect(ignored).toEqual(['csvMissing=guess (must be one of error, drop, ffill)', 'csvHorizon=-1 (must be an integer in [0, 10000])']);
    expect(decodeHash(`#task=csv&csvTarget=${'x'.repeat(201)}`).ignored[0]).toMatch(/^csvTarget=x+… \(longer than 200 characters\)$/);
  });

  it('the link’s horizon bounds are the engine’s', () => {
    expect(CSV_HORIZON_LINK_BOUNDS).toEqual(CSV_HORIZON_BOUNDS);
    expect(CHOICES.csvMissing).toEqual(MISSING_POLICIES);
    expect(CSV_FILE_LIMIT_BYTES).toBe(CSV_LIMITS.bytes);
  });
});
