/**
 * Recorded data as tasks: the CSV parser and its errors (row and column named), normalisation fitted on
 * regime A only, the stream (horizon, seeded start, wrap with a reset), the recorded weather and CO₂ tasks'
 * shapes and regimes, determinism per seed, property tests over malformed files (only a CsvError, never a
 * hang), and the CLI end to end (--task weather, --task csv, a malformed file exits 2).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/engine/config';
import { Rng } from '../src/engine/rng';
import { createTask, TASKS } from '../src/engine/tasks';
import { CO2_FIRST_MONTH, CO2_PPM } from '../src/engine/tasks/data/co2';
import { co2Changes, co2Table } from '../src/engine/tasks/co2';
import {
  checkCsvSteps,
  createCsvTask,
  CsvError,
  csvSeriesFromText,
  CSV_LIMITS,
  parseCsv,
  parseDate,
  parseNumber,
  type CsvTaskSpec,
} from '../src/engine/tasks/csv';
import { createSeriesTask, regimeRows, type SeriesTable } from '../src/engine/tasks/series';
import type { Sequence } from '../src/engine/tasks/task';
import { WEATHER_HORIZON, WEATHER_REGIMES, weatherTable, weatherValues } from '../src/engine/tasks/weather';
import { itRejectsEach, runExperimentCli, runExperimentJson } from './helpers/runCli';
import { regimeStreams } from './helpers/taskStreams';

/** The error `fn` throws (failing the test when it throws none). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error');
}

const csvError = (fn: () => unknown): CsvError => {
  const e = thrown(fn);
  expect(e).toBeInstanceOf(CsvError);
  return e as CsvError;
};

/** `rows` rows: date (daily from 2020-01-01), a (a ramp with a wobble), b (a sine), y (a mix). */
function table(rows: number, cell: (r: number, col: string) => string | null = () => null, delimiter = ','): string {
  const lines = [['date', 'a', 'b', 'y'].join(delimiter)];
  for (let r = 1; r <= rows; r++) {
    const date = new Date(Date.UTC(2020, 0, r)).toISOString().slice(0, 10);
    const a = (r + Math.sin(r)).toFixed(3);
    const b = Math.sin(r / 3).toFixed(3);
    const y = (r / 10 + Math.cos(r / 3)).toFixed(3);
    lines.push([date, a, b, y].map((v, j) => cell(r, ['date', 'a', 'b', 'y'][j]) ?? v).join(delimiter));
  }
  return lines.join('\n') + '\n';
}

const SPEC: CsvTaskSpec = { source: 'test.csv', inputs: ['a', 'b'], target: 'y', horizon: 1, driftAt: '31' };

function stream(task: ReturnType<typeof createTask>, regime: 'A' | 'B', length: number): Sequence {
  return task.generate(regime, length, new Rng(0));
}

function sameBits(a: Sequence, b: Sequence): boolean {
  const u = (f: Float32Array) => new Uint32Array(f.buffer, f.byteOffset, f.length);
  return u(a.x).every((v, i) => v === u(b.x)[i]) && u(a.y).every((v, i) => v === u(b.y)[i]) && a.reset.every((v, i) => v === b.reset[i]);
}

describe('the CSV parser', () => {
  it('reads comma, semicolon (decimal comma) and tab files, strips a BOM, accepts CRLF and skips blank lines', () => {
    const comma = parseCsv('\ufeffx,y\r\n1,2\r\n\r\n3,4\r\n');
    expect(comma.delimiter).toBe(',');
    expect(comma.columns).toEqual(['x', 'y']);
    expect(comma.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    // the blank line is row 2: rows keep their numbers in the file
    expect([...comma.rowNumbers]).toEqual([1, 3]);
    const semi = parseCsv('x;y\n1,5;2\n3;4,25\n');
    expect(semi.delimiter).toBe(';');
    expect(parseNumber(semi.rows[0][0], semi.delimiter)).toBe(1.5);
    expect(parseNumber(semi.rows[1][1], semi.delimiter)).toBe(4.25);
    expect(parseNumber('1,5', ',')).toBeNull();
    const tab = parseCsv('x\ty\n1\t2\n');
    expect(tab.delimiter).toBe('\t');
    expect(tab.rows[0]).toEqual(['1', '2']);
    // a delimiter inside quotes is text, not a field break
    const quoted = parseCsv('"a,b";c\n1;2\n');
    expect(quoted.delimiter).toBe(';');
    expect(quoted.columns).toEqual(['a,b', 'c']);
    // one column, no delimiter at all
    expect(parseCsv('v\n1\n2\n').columns).toEqual(['v']);
  });

  it('numbers and dates are read strictly', () => {
    expect(parseNumber(' -1.5e3 ')).toBe(-1500);
    expect(parseNumber('.5')).toBe(0.5);
    for (const bad of ['', '0x10', '1e999', 'Infinity', '1,000', '1.2.3', 'abc', '1 2']) expect(parseNumber(bad)).toBeNull();
    expect(parseDate('2020-01-31')).toBe(Date.UTC(2020, 0, 31));
    expect(parseDate('2020/02/29 13:45')).toBe(Date.UTC(2020, 1, 29, 13, 45));
    expect(parseDate('2010-01-01T01:00:00')).toBe(Date.UTC(2010, 0, 1, 1));
    expect(parseDate('2010-01-01T01:00:00+01:00')).toBe(Date.UTC(2010, 0, 1, 0));
    expect(parseDate('1990-01')).toBe(Date.UTC(1990, 0, 1));
    for (const bad of ['2019-02-29', '2020-13-01', '2020-1-1x', '1990', '12', '2020-01/02', 'yesterday']) expect(parseDate(bad)).toBeNull();
  });

  const REFUSED: [string, string, RegExp][] = [
    ['an empty file', '', /empty/],
    ['a file of blanks and a BOM', '\ufeff \n\n ', /empty/],
    ['no header (numbers on the first line)', '1,2,3\n4,5,6\n', /no header.*numbers/],
    ['a blank first line', '\nx,y\n1,2\n', /no header/],
    ['a column without a name', 'x,,y\n1,2,3\n', /column 2 has no name/],
    ['a name twice', 'x,y,x\n1,2,3\n', /'x' twice/],
    ['a header and no rows', 'x,y\n', /no data rows/],
    ['mixed delimiters in the header', 'x,y;z\n1,2;3\n', /mixed delimiters/],
    ['a row with another delimiter', 'x,y,z\n1,2,3\n4;5;6\n', /row 2 has 1 field, the header 3 columns: mixed delimiters\? .*semicolon/],
    ['a short row', 'x,y,z\n1,2,3\n4,5\n', /row 2 has 2 fields/],
  ];
  for (const [what, text, message] of REFUSED) {
    it(`refuses ${what} with a CsvError`, () => {
      expect(csvError(() => parseCsv(text)).message).toMatch(message);
    });
  }

  it('refuses a file over 50 MB or 1 M rows before parsing it, and says the limit', () => {
    expect(csvError(() => parseCsv('x'.repeat(CSV_LIMITS.chars + 1))).message).toMatch(/limit is 50 MB/);
    const t0 = performance.now();
    expect(csvError(() => parseCsv('v\n' + '1\n'.repeat(CSV_LIMITS.rows + 2))).message).toMatch(/limit is 1 M rows/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('cells, columns and the drift', () => {
  it('a non-numeric cell names its row and column', () => {
    const e = csvError(() =>
      csvSeriesFromText(
        table(60, (r, c) => (r === 17 && c === 'b' ? '6l.5' : null)),
        SPEC,
      ),
    );
    expect(e.message).toBe("row 17, column 'b': '6l.5' is not a number");
    expect([e.row, e.column, e.option]).toEqual([17, 'b', '--data']);
    // a column the task does not read may hold anything
    expect(() =>
      csvSeriesFromText(
        table(60, (r, c) => (c === 'date' && r === 5 ? 'n/a' : null)),
        SPEC,
      ),
    ).not.toThrow();
  });

  it('a missing cell: an error naming row and column, or dropped, or filled from the row above', () => {
    const text = table(60, (r, c) => (r === 40 && c === 'a' ? '' : r === 41 && c === 'y' ? 'NA' : null));
    const e = csvError(() => csvSeriesFromText(text, SPEC));
    expect(e.message).toMatch(/^row 40, column 'a': the value is missing \(--missing drop/);
    expect([e.row, e.column]).toEqual([40, 'a']);
    const dropped = csvSeriesFromText(text, { ...SPEC, missing: 'drop' });
    expect(dropped.rows).toBe(58);
    expect(dropped.dropped).toBe(2);
    expect([...dropped.rowNumbers].includes(40)).toBe(false);
    const filled = csvSeriesFromText(text, { ...SPEC, missing: 'ffill' });
    expect(filled.rows).toBe(60);
    expect(filled.filled).toBe(2);
    const c = filled.names.length;
    expect(filled.values[39 * c + 0]).toBe(filled.values[38 * c + 0]);
    expect(createCsvTask(new Rng(1), dropped).description).toContain('2 rows with missing values dropped');
    // nothing above the first row to fill from
    const first = csvError(() =>
      csvSeriesFromText(
        table(60, (r, col) => (r === 1 && col === 'b' ? 'null' : null)),
        { ...SPEC, missing: 'ffill' },
      ),
    );
    expect(first.message).toMatch(/^row 1, column 'b': .*no row above/);
  });

  it('unknown columns, a bad horizon and constant columns are refused with the option named', () => {
    const text = table(60, (_, c) => (c === 'b' ? '3' : null));
    expect(csvError(() => csvSeriesFromText(text, { ...SPEC, inputs: ['a', 'nope'] })).message).toMatch(
      /^--inputs: no column 'nope' in the file \(its columns: 'date', 'a', 'b', 'y'\)/,
    );
    expect(csvError(() => csvSeriesFromText(text, { ...SPEC, target: 'z' })).option).toBe('--target');
    expect(csvError(() => csvSeriesFromText(text, { ...SPEC, inputs: ['a', 'a'] })).message).toMatch(/twice/);
    expect(csvError(() => csvSeriesFromText(text, { ...SPEC, inputs: ['y'], horizon: 0 })).message).toMatch(/its own input/);
    expect(csvError(() => csvSeriesFromText(text, { ...SPEC, horizon: 1.5 })).option).toBe('--horizon');
    const constant = csvError(() => csvSeriesFromText(text, SPEC));
    expect(constant.message).toMatch(/column 'b' is constant before the drift \(3 on rows 1-30\)/);
    expect(constant.column).toBe('b');
    // constant only after the drift is fine: z-scoring is fitted on regime A
    expect(() =>
      csvSeriesFromText(
        table(60, (r, c) => (c === 'b' && r > 30 ? '3' : null)),
        SPEC,
      ),
    ).not.toThrow();
    // a cell a million of regime A's standard deviations away would overflow float32 losses
    const far = csvError(() =>
      csvSeriesFromText(
        table(60, (r, c) => (c === 'y' && r === 50 ? '1e12' : null)),
        SPEC,
      ),
    );
    expect([far.row, far.column]).toEqual([50, 'y']);
  });

  it('the drift: a row number, or a date looked up in the first date column (or --date-column)', () => {
    const text = table(60);
    const byRow = csvSeriesFromText(text, { ...SPEC, driftAt: '31' });
    expect(byRow.regimes.A).toEqual([[0, 30]]);
    expect(byRow.regimes.B).toEqual([[30, 60]]);
    const byDate = csvSeriesFromText(text, { ...SPEC, driftAt: '2020-01-31' });
    expect(byDate.regimes).toEqual(byRow.regimes);
    // a date between rows: regime B starts at the first row on or after it
    expect(csvSeriesFromText(text, { ...SPEC, driftAt: '2020-01-30T12:00' }).regimes).toEqual(byRow.regimes);
    expect(csvSeriesFromText(text, { ...SPEC, driftAt: '2020-01-31', dateColumn: 'date' }).regimes).toEqual(byRow.regimes);
    expect(JSON.parse(JSON.stringify(byRow))).toEqual(
      expect.objectContaining({ regimeA: { firstRow: 1, lastRow: 30, rows: 30 }, regimeB: { firstRow: 31, lastRow: 60, rows: 30 } }),
    );

    const refused: [Partial<CsvTaskSpec>, string, RegExp][] = [
      [{ driftAt: '1' }, '--drift-at', /outside the data: a row number must be in \[2, 60\]/],
      [{ driftAt: '61' }, '--drift-at', /outside the data/],
      [{ driftAt: '2021-01-01' }, '--drift-at', /after the last row's date \('2020-02-29'/],
      [{ driftAt: '2019-12-01' }, '--drift-at', /regime A would be empty/],
      [{ driftAt: 'soon' }, '--drift-at', /a row number or a date/],
      [{ driftAt: '2020-01-31', dateColumn: 'when' }, '--date-column', /no column 'when'/],
      [{ driftAt: '2020-01-31', dateColumn: 'a' }, '--date-column', /^row 1, column 'a': '.*' is not a date/],
      [{ driftAt: '60', horizon: 1 }, '--drift-at', /regime B from the drift has 1 row \(rows 60-60\); with --horizon 1 it needs at least 2/],
    ];
    for (const [change, option, message] of refused) {
      const e = csvError(() => csvSeriesFromText(text, { ...SPEC, ...change }));
      expect(e.option, e.message).toBe(option);
      expect(e.message).toMatch(message);
    }
    const shuffled = table(60, (r, c) => (c === 'date' && r === 20 ? '2019-06-01' : null));
    expect(csvError(() => csvSeriesFromText(shuffled, { ...SPEC, driftAt: '2020-01-31' })).message).toMatch(/^row 20, column 'date': .*time order/);
    expect(csvError(() => csvSeriesFromText('x,y\n1,2\n2,3\n3,5\n', { ...SPEC, inputs: ['x'], target: 'y', driftAt: '2020-01-01' })).message).toMatch(
      /no column holds a date/,
    );
  });

  it('the rows a run needs: steps + horizon per regime, said with the numbers', () => {
    const s = csvSeriesFromText(table(400), { ...SPEC, horizon: 2, driftAt: '251' });
    expect(() => checkCsvSteps(s, 248, 148)).not.toThrow();
    const a = csvError(() => checkCsvSteps(s, 249, 100));
    expect(a.option).toBe('--pretrain');
    expect(a.message).toBe(
      'regime A (rows 1-250, before the drift) has 250 rows; --pretrain 249 with --horizon 2 needs 251 (steps + horizon, so no row repeats in the stream): lower --pretrain or move --drift-at',
    );
    expect(csvError(() => checkCsvSteps(s, 100, 149)).message).toMatch(
      /^regime B \(rows 251-400, from the drift\) has 150 rows; --adapt 149 with --horizon 2 needs 151/,
    );
    expect(thrown(() => checkCsvSteps(undefined, 1, 1))).toBeInstanceOf(ConfigError);
  });
});

describe('the stream', () => {
  const series = csvSeriesFromText(table(400), { ...SPEC, horizon: 3, driftAt: '301' });

  it('z-scores every column with regime A’s mean and std only', () => {
    const c = series.names.length;
    const aRows = regimeRows(series.regimes.A);
    const mean = (j: number, rows: Int32Array) => rows.reduce((s, r) => s + series.values[r * c + j], 0) / rows.length;
    const std = (j: number, rows: Int32Array) => Math.sqrt(rows.reduce((s, r) => s + (series.values[r * c + j] - mean(j, rows)) ** 2, 0) / rows.length);
    const task = createCsvTask(new Rng(3), series);
    // one whole pass over regime B: the inputs are B's values in A's units
    const b = stream(task, 'B', 97);
    const bRows = regimeRows(series.regimes.B);
    for (const [i, j] of series.inputs.entries()) {
      const expected = Array.from(bRows.slice(0, 97), (r) => (series.values[r * c + j] - mean(j, aRows)) / std(j, aRows));
      const got = Array.from({ length: 97 }, (_, t) => b.x[t * 2 + i]);
      // the stream starts at a seeded row: compare as sorted multisets
      expect(got.sort((p, q) => p - q).map((v) => v.toFixed(4))).toEqual(expected.sort((p, q) => p - q).map((v) => Math.fround(v).toFixed(4)));
    }
    // the ramp 'a' is far above regime A's range after the drift
    const bMean = Array.from({ length: 97 }, (_, t) => b.x[t * 2]).reduce((s, v) => s + v, 0) / 97;
    expect(bMean).toBeGreaterThan(1.5);
  });

  it('regime B’s values never reach the normalisation: changing them leaves regime A’s stream bit for bit', () => {
    const changed = csvSeriesFromText(
      table(400, (r, c) => (r > 300 && c !== 'date' ? String(r * 1000) : null)),
      { ...SPEC, horizon: 3, driftAt: '301' },
    );
    const a1 = stream(createCsvTask(new Rng(9), series), 'A', 500);
    const a2 = stream(createCsvTask(new Rng(9), changed), 'A', 500);
    expect(sameBits(a1, a2)).toBe(true);
  });

  it('the target is h rows after the inputs, within the regime; the stream wraps with a reset; the seed picks the start', () => {
    // the target is the input column itself (y as an input too), so y_t equals x_{t+h} between resets
    const s = csvSeriesFromText(table(400), { ...SPEC, inputs: ['y'], target: 'y', horizon: 3, driftAt: '301' });
    const task = createCsvTask(new Rng(5), s);
    const a = stream(task, 'A', 900);
    const positions = 300 - 3;
    const resets = [...a.reset.keys()].filter((t) => a.reset[t] === 1);
    expect(resets.length).toBeGreaterThanOrEqual(2);
    expect(resets[1] - resets[0]).toBe(positions);
    for (let t = 0; t + 3 < a.length; t++) {
      if (a.reset.subarray(t + 1, t + 4).some((v) => v === 1)) continue;
      expect(a.y[t]).toBe(a.x[t + 3]);
    }
    // consecutive calls continue the stream
    const whole = stream(createCsvTask(new Rng(5), s), 'A', 400);
    const t2 = createCsvTask(new Rng(5), s);
    const first = stream(t2, 'A', 150);
    const rest = stream(t2, 'A', 250);
    expect([...first.x, ...rest.x]).toEqual([...whole.x]);
    // different seeds start at different rows
    expect(stream(createCsvTask(new Rng(6), s), 'A', 10).x).not.toEqual(stream(createCsvTask(new Rng(5), s), 'A', 10).x);
  });

  it('is deterministic per seed, and a CsvSeries crosses to a worker (structured clone) intact', () => {
    const [a1, b1] = regimeStreams('csv', 7, 300, { csv: series });
    const [a2, b2] = regimeStreams('csv', 7, 300, { csv: structuredClone(series) });
    const [a3] = regimeStreams('csv', 8, 300, { csv: series });
    expect(sameBits(a1, a2) && sameBits(b1, b2)).toBe(true);
    expect(sameBits(a1, a3)).toBe(false);
    // JSON carries a summary and a digest, not the values
    const json = JSON.parse(JSON.stringify({ csv: series }));
    expect(json.csv).not.toHaveProperty('values');
    expect(json.csv).toEqual(
      expect.objectContaining({ source: 'test.csv', inputs: ['a', 'b'], target: 'y', horizon: 3, digest: expect.stringMatching(/^[0-9a-f]{8}$/) }),
    );
    const other = csvSeriesFromText(
      table(400, (r, c) => (r === 5 && c === 'a' ? '99' : null)),
      { ...SPEC, horizon: 3, driftAt: '301' },
    );
    expect(other.digest).not.toBe(series.digest);
  });

  it('createTask("csv") without a table says what it needs', () => {
    expect(thrown(() => createTask('csv', new Rng(1))).message).toMatch(/--task csv needs a table/);
  });
});

describe('the recorded tasks', () => {
  it('weather: 8,759 hours of pressure, temperature and wind; winter Dec-Feb (A), summer Jun-Aug (B)', () => {
    const v = weatherValues();
    expect(v.length).toBe(8759 * 3);
    expect([v[0], v[1], v[2]]).toEqual([1016.6, 4, 3.8]);
    expect([v[v.length - 3], v[v.length - 2], v[v.length - 1]]).toEqual([1016.7, 4.3, 4]);
    const rows = { A: regimeRows(WEATHER_REGIMES.A), B: regimeRows(WEATHER_REGIMES.B) };
    // 90 winter days less the missing Jan 1 00:00; 92 summer days
    expect(rows.A.length).toBe(90 * 24 - 1);
    expect(rows.B.length).toBe(92 * 24);
    expect(rows.A[0]).toBe(334 * 24 - 1);
    expect(rows.B[0]).toBe(151 * 24 - 1);
    const meanT = (r: Int32Array) => r.reduce((s, i) => s + v[i * 3 + 1], 0) / r.length;
    expect(meanT(rows.A)).toBeLessThan(8);
    expect(meanT(rows.B)).toBeGreaterThan(15);

    const rng = new Rng(2);
    const task = createTask('weather', rng);
    expect([task.inputSize, task.outputSize]).toEqual([3, 1]);
    expect(task.description).toContain('NOAA');
    const a = task.generate('A', 2159 - WEATHER_HORIZON, rng);
    // one whole pass over winter: z-scored on winter, mean 0 and std 1 per column (the last 6 hours are targets only)
    for (let j = 0; j < 3; j++) {
      const col = Array.from({ length: a.length }, (_, t) => a.x[t * 3 + j]);
      const m = col.reduce((s, x) => s + x, 0) / col.length;
      expect(Math.abs(m)).toBeLessThan(0.05);
    }
    // the target is the temperature input 6 hours later, wherever no wrap lies between
    for (let t = 0; t + WEATHER_HORIZON < a.length; t++) {
      if (a.reset.subarray(t + 1, t + WEATHER_HORIZON + 1).some((x) => x === 1)) continue;
      expect(a.y[t]).toBe(a.x[(t + WEATHER_HORIZON) * 3 + 1]);
    }
    // summer in winter's units: several of winter's standard deviations warmer
    const b = task.generate('B', 2000, rng);
    const meanB = b.y.reduce((s, x) => s + x, 0) / b.length;
    expect(meanB).toBeGreaterThan(3);
    expect(task.trivialLoss).toBeGreaterThan(0.5);
    expect(weatherTable().horizon).toBe(6);
  });

  it('co2: the monthly change 1964-06 … 2020-04, regime A to 1989, regime B from 1990; steeper and wider after the drift', () => {
    expect(CO2_FIRST_MONTH).toEqual({ year: 1964, month: 5 });
    expect(CO2_PPM.length).toBe(672);
    expect([CO2_PPM[0], CO2_PPM[CO2_PPM.length - 1]]).toEqual([322.26, 416.18]);
    const t = co2Table();
    expect(t.rows).toBe(671);
    expect(t.regimes.A).toEqual([[0, 307]]);
    expect(t.regimes.B).toEqual([[307, 671]]);
    // regime B's first change is into January 1990: 1964-05 + 308 months
    const d = co2Changes();
    expect(d[307]).toBeCloseTo(CO2_PPM[308] - CO2_PPM[307], 12);
    const meanOf = (lo: number, hi: number) => d.slice(lo, hi).reduce((s, x) => s + x, 0) / (hi - lo);
    // about 1.3 ppm a year before, about 2 after
    expect(meanOf(0, 307) * 12).toBeGreaterThan(1.1);
    expect(meanOf(0, 307) * 12).toBeLessThan(1.5);
    expect(meanOf(307, 671) * 12).toBeGreaterThan(1.8);

    const rng = new Rng(4);
    const task = createTask('co2', rng);
    expect([task.inputSize, task.outputSize]).toEqual([1, 1]);
    const a = task.generate('A', 1000, rng);
    for (let i = 0; i + 1 < a.length; i++) if (!a.reset[i + 1]) expect(a.y[i]).toBe(a.x[i + 1]);
    expect(a.reset.reduce((s, x) => s + x, 0)).toBeGreaterThanOrEqual(3);
    // one whole pass over regime B in A's units: a higher mean change (the trend) and a wider swing
    const b = task.generate('B', 363, rng);
    const meanB = b.x.reduce((s, x) => s + x, 0) / b.length;
    const stdB = Math.sqrt(b.x.reduce((s, x) => s + (x - meanB) ** 2, 0) / b.length);
    expect(meanB).toBeGreaterThan(0.04);
    expect(stdB).toBeGreaterThan(1.05);
  });

  it('determinism: each recorded task’s A and B streams are fixed by the seed and differ between seeds', () => {
    for (const name of ['weather', 'co2'] as const) {
      const [a1, b1] = regimeStreams(name, 11, 500);
      const [a2, b2] = regimeStreams(name, 11, 500);
      const [a3, b3] = regimeStreams(name, 12, 500);
      expect(sameBits(a1, a2) && sameBits(b1, b2)).toBe(true);
      expect(sameBits(a1, a3) || sameBits(b1, b3)).toBe(false);
    }
    expect(TASKS.weather.label).toMatch(/Seattle/);
    expect(TASKS.co2.story).toMatch(/CC BY 4\.0/);
  });

  it('a series task refuses a column it cannot z-score', () => {
    const flat: SeriesTable = {
      names: ['x'],
      values: new Float64Array(20).fill(1),
      rows: 20,
      inputs: [0],
      target: 0,
      horizon: 1,
      regimes: { A: [[0, 10]], B: [[10, 20]] },
    };
    expect(thrown(() => createSeriesTask(flat, { name: 'csv', description: '' }, new Rng(1)))).toBeInstanceOf(ConfigError);
  });
});

describe('malformed files (property tests)', () => {
  const CHARS = ['a', 'b', 'x', '1', '2', '9', '.', '-', 'e', ',', ';', '\t', '"', '\n', '\r\n', '\r', ' ', 'NA', '\ufeff', '2020-01-0'];
  const cell = fc.oneof(
    fc.constantFrom('1', '2.5', '-3', '1e3', '', 'NA', 'nan', 'abc', '"q,1"', '"', '1,5', '2020-01-01', '2020-01-02', '1e400', '0x1'),
    fc.double({ noNaN: true }).map(String),
    fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 6 }),
  );
  const delimiter = fc.constantFrom(',', ';', '\t');
  const file = fc.record({
    bom: fc.boolean(),
    header: fc.array(fc.constantFrom('x', 'y', 'z', 'date', '', '1', 'x'), { minLength: 0, maxLength: 4 }),
    rows: fc.array(fc.tuple(delimiter, fc.array(cell, { minLength: 0, maxLength: 5 })), { maxLength: 40 }),
    headerDelimiter: delimiter,
    newline: fc.constantFrom('\n', '\r\n', '\r'),
  });
  const spec = fc.record({
    inputs: fc.array(fc.constantFrom('x', 'y', 'z', 'date', 'w'), { minLength: 0, maxLength: 3 }),
    target: fc.constantFrom('x', 'y', 'z'),
    horizon: fc.integer({ min: 0, max: 3 }),
    driftAt: fc.constantFrom('2', '3', '10', '0', '2020-01-02', 'x', '2020-01-01T12:00'),
    missing: fc.constantFrom('error', 'drop', 'ffill'),
  });

  /** Parse, prepare and stream a few steps: it must succeed, or fail with a CsvError; and quickly. */
  function survive(text: string, s: Omit<CsvTaskSpec, 'source'>): void {
    const t0 = performance.now();
    try {
      const series = csvSeriesFromText(text, { source: 'prop.csv', ...s });
      const task = createCsvTask(new Rng(1), series);
      for (const regime of ['A', 'B'] as const) {
        const seq = task.generate(regime, 30, new Rng(2));
        expect(seq.x.every(Number.isFinite) && seq.y.every(Number.isFinite)).toBe(true);
      }
    } catch (e) {
      if (!(e instanceof CsvError)) throw e;
      expect(e.message.length).toBeGreaterThan(5);
      expect(e.message).not.toContain('\n');
    }
    expect(performance.now() - t0).toBeLessThan(2000);
  }

  it('random text: only a CsvError, never another exception or a hang', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 300 }), spec, (text, s) => survive(text, s)),
      { numRuns: 400, seed: 424242 },
    );
  });

  it('table-shaped files with bad cells, ragged rows and mixed delimiters: only a CsvError', () => {
    fc.assert(
      fc.property(file, spec, (f, s) => {
        const lines = [f.header.join(f.headerDelimiter), ...f.rows.map(([d, cells]) => cells.join(d))];
        survive((f.bom ? '\ufeff' : '') + lines.join(f.newline), s);
      }),
      { numRuns: 400, seed: 171717 },
    );
  });

  it('well-formed numeric tables with random gaps: drop and ffill keep every full row and fill every gap', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: -100, max: 100, noNaN: true }), fc.boolean()), { minLength: 12, maxLength: 60 }), (cells) => {
        const text = 'x,y\n' + cells.map(([v, gap], i) => `${gap && i > 0 ? '' : v.toFixed(3)},${(i * 0.37) % 5}`).join('\n');
        const spec = { source: 'gaps.csv', inputs: ['x'], target: 'y', horizon: 1, driftAt: String(Math.floor(cells.length / 2)) };
        const gaps = cells.filter(([, gap], i) => gap && i > 0).length;
        for (const missing of ['drop', 'ffill'] as const) {
          try {
            const s = csvSeriesFromText(text, { ...spec, missing });
            if (missing === 'drop') expect(s.rows + s.dropped).toBe(cells.length);
            else expect([s.rows, s.filled]).toEqual([cells.length, gaps]);
          } catch (e) {
            expect(e).toBeInstanceOf(CsvError);
          }
        }
      }),
      { numRuns: 200, seed: 99 },
    );
  });
});

describe('the CLI with recorded data', () => {
  const cli = runExperimentCli;
  const small = ['--k', '0,4', '--seeds', '3', '--pretrain', '200', '--adapt', '100', '--n', '8', '--json'];
  const weather = cli(['--task', 'weather', ...small], 120_000);
  const csv = cli(
    ['--task', 'csv', '--data', 'tests/fixtures/csv-small.csv', '--inputs', 'temp,humidity,load', '--target', 'load', '--drift-at', '2020-09-01', ...small],
    120_000,
  );
  const badCell = cli([
    '--task',
    'csv',
    '--data',
    'tests/fixtures/csv-bad-cell.csv',
    '--inputs',
    'temp,humidity',
    '--target',
    'load',
    '--drift-at',
    '21',
    '--pretrain',
    '10',
    '--adapt',
    '10',
  ]);
  const fixture = ['--task', 'csv', '--data', 'tests/fixtures/csv-small.csv', '--target', 'load'];
  const BAD: [string[], string][] = [
    [[...fixture, '--inputs', 'temp', '--drift-at', '2020-09-01', '--missing', 'skip'], '--missing'],
    [[...fixture, '--inputs', 'temp,pressure', '--drift-at', '2020-09-01'], "no column 'pressure'"],
    [[...fixture, '--inputs', 'temp', '--drift-at', '2020-09-01', '--horizon', '-1'], '--horizon'],
    [[...fixture, '--inputs', 'temp', '--drift-at', '2030-01-01'], '--drift-at'],
    [[...fixture, '--inputs', 'temp', '--drift-at', '2020-09-01'], 'needs 4001'],
    [[...fixture, '--inputs', 'temp'], '--drift-at'],
    [['--task', 'csv', '--data', 'tests/fixtures/no-such.csv', '--inputs', 'a', '--target', 'b', '--drift-at', '5'], 'no such file'],
    [['--task', 'weather', '--data', 'tests/fixtures/csv-small.csv'], '--data'],
    [[...fixture, '--inputs', 'temp', '--drift-at', '250', '--model', 'transformer'], '--task'],
  ];
  const bad = BAD.map(([args]) => cli(args));

  it('--task weather runs: the same JSON as every task, its description naming the data', async () => {
    const j = await runExperimentJson(weather);
    expect(j.config.task).toBe('weather');
    expect(j.task).toMatch(/Seattle hourly climate normals/);
    expect(j.arms.map((a: { label: string }) => a.label)).toEqual(['frozen', 'readout', 'full', 'k=0', 'k=4']);
    expect(j.reference.improvement.count).toBe(3);
    expect(j.arms.every((a: object) => 'recoveryBeyondReadout' in a)).toBe(true);
    expect(j.trivialPredictor.loss).toBeGreaterThan(0);
  });

  it('--task csv runs on a fixture: regimes from the date, a summary of the table in the JSON config', async () => {
    const j = await runExperimentJson(csv);
    expect(j.config.task).toBe('csv');
    expect(j.task).toMatch(/^CSV csv-small\.csv: load 1 row ahead from temp, humidity, load; rows 1-244 \(A\) -> rows 245-400 \(B, drift at 2020-09-01\)/);
    expect(j.config.taskOptions.csv).toEqual(
      expect.objectContaining({ source: 'csv-small.csv', target: 'load', regimeA: { firstRow: 1, lastRow: 244, rows: 244 } }),
    );
    expect(j.config.taskOptions.csv).not.toHaveProperty('values');
    expect(j.arms).toHaveLength(5);
    expect(j.reference.improvement.count).toBe(3);
  });

  it('a malformed CSV exits 2 with one line naming the row and the column', async () => {
    const r = await badCell;
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toBe("error: row 17, column 'humidity': '6l.5' is not a number\n");
  });

  itRejectsEach(BAD, bad);
});
