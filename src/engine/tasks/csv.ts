/**
 * A user's own table as a task: CSV text in, a z-scored stream out (series.ts streams it). Pure: no fs, no
 * DOM; the CLI reads the file and passes the text, and the app can hand over a dropped file's text alike.
 *
 * - Parsing: d3-dsv, with the delimiter read off the header line (comma, semicolon or tab, outside quotes),
 *   a leading byte-order mark stripped, Windows and old Mac line ends accepted, blank lines skipped. With
 *   semicolons a decimal comma (3,5) reads as a decimal point.
 * - Rows are counted from 1 after the header line (blank lines count), and every message that names a cell
 *   names its row and column.
 * - Regime A is the rows before the drift (a row number or a date), regime B the rows from it on; the
 *   target is `horizon` rows after the inputs, within the same regime.
 * - Every problem is a CsvError (a ConfigError naming the option): the CLI prints its one line, exit 2.
 */
import { dsvFormat } from 'd3-dsv';
import { ConfigError } from '../bounds';
import type { Rng } from '../rng';
import { columnStats, createSeriesTask, regimePositions, regimeRows, type SeriesTable } from './series';
import type { Task } from './task';

/**
 * Bad data or a setting that does not fit the data; `row` (from 1, after the header) and `column` where one
 * cell is at fault, and the missing-cell policies that would get past it (`fixes`, for the app's buttons).
 */
export class CsvError extends ConfigError {
  constructor(
    option: string,
    message: string,
    readonly row?: number,
    readonly column?: string,
    readonly fixes: readonly MissingPolicy[] = [],
  ) {
    super(option, message);
    this.name = 'CsvError';
  }
}

/** What one file may hold: 50 MB of text (counted in characters here; the CLI checks the file's bytes) and 1 M data rows. */
export const CSV_LIMITS = { chars: 50_000_000, bytes: 50_000_000, rows: 1_000_000 } as const;
/** The target's distance in rows from the inputs: 0 (the same row) to 10,000. */
export const CSV_HORIZON_BOUNDS = { min: 0, max: 10_000, integer: true } as const;
export const DEFAULT_CSV_HORIZON = 1;
/** The largest z-score (in regime A's standard deviations) a cell may have. */
const CSV_MAX_Z = 1e6;

export type CsvDelimiter = ',' | ';' | '\t';
const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];
const DELIMITER_NAMES: Record<CsvDelimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

/** What to do with a missing cell (empty, NA, NaN, null, …) in a column the task reads. */
export type MissingPolicy = 'error' | 'drop' | 'ffill';
export const MISSING_POLICIES: readonly MissingPolicy[] = ['error', 'drop', 'ffill'];
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-', '?']);

/** A parsed file: its delimiter, its column names, and its data rows as text. */
export interface CsvTable {
  readonly delimiter: CsvDelimiter;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** each row's number in the file (from 1 after the header; blank lines count, so row r is line r + 1 when no field spans lines) */
  readonly rowNumbers: Int32Array;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
/** A cell or name quoted for a message, shortened so a hostile file cannot flood the terminal. */
function shown(s: string): string {
  const t = s.replace(/[^\x20-\x7e]/g, '?');
  return `'${t.length > 24 ? t.slice(0, 24) + '…' : t}'`;
}

/** The header line's delimiter counts, outside double quotes. */
function delimiterCounts(line: string): Record<CsvDelimiter, number> {
  const counts: Record<CsvDelimiter, number> = { ',': 0, ';': 0, '\t': 0 };
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === ',' || ch === ';' || ch === '\t')) counts[ch]++;
  }
  return counts;
}

/** Splits CSV text into a header and data rows; throws a CsvError for an empty, headerless, oversized or ragged file. */
export function parseCsv(text: string): CsvTable {
  if (text.length > CSV_LIMITS.chars) {
    throw new CsvError(
      '--data',
      `the file holds ${plural(text.length, 'character')}; the limit is 50 MB (${CSV_LIMITS.chars.toLocaleString('en-US')} characters)`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new CsvError('--data', 'the file is empty');
  // Refuse an oversized file before parsing it: every data row takes at least one line end.
  let lineEnds = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineEnds++;
  if (lineEnds > CSV_LIMITS.rows + 1)
    throw new CsvError('--data', `the file has more than ${CSV_LIMITS.rows.toLocaleString('en-US')} rows (${plural(lineEnds, 'line')}); the limit is 1 M rows`);

  const headerLine = /^[^\r\n]*/.exec(text)![0];
  if (headerLine.trim() === '') throw new CsvError('--data', 'no header: the first line is empty; it must name the columns');
  const counts = delimiterCounts(headerLine);
  const used = DELIMITERS.filter((d) => counts[d] > 0).sort((a, b) => counts[b] - counts[a]);
  if (used.length > 1 && counts[used[0]] === counts[used[1]]) {
    throw new CsvError(
      '--data',
      `mixed delimiters: the header has ${used.map((d) => `${counts[d]} ${DELIMITER_NAMES[d]}${counts[d] === 1 ? '' : 's'}`).join(' and ')}; use one (quote a name that contains another)`,
    );
  }
  const delimiter: CsvDelimiter = used[0] ?? ',';
  const records = dsvFormat(delimiter).parseRows(text);
  const columns = records[0].map((c) => c.trim());
  columns.forEach((name, j) => {
    if (name === '') throw new CsvError('--data', `no header: column ${j + 1} has no name in the first line; the first line must name every column`);
  });
  if (columns.every((name) => parseNumber(name, delimiter) !== null)) {
    throw new CsvError('--data', `no header: the first line holds numbers (${columns.slice(0, 3).map(shown).join(', ')}); it must name the columns`);
  }
  const twice = columns.find((name, j) => columns.indexOf(name) !== j);
  if (twice !== undefined) throw new CsvError('--data', `the header names column ${shown(twice)} twice`);

  const rows: string[][] = [];
  const numbers: number[] = [];
  for (let i = 1; i < records.length; i++) {
    const record = records[i];
    if (record.length === 1 && record[0].trim() === '') continue;
    if (record.length !== columns.length) {
      const others = DELIMITERS.filter((d) => d !== delimiter && record.some((f) => f.includes(d)));
      const hint =
        others.length > 0
          ? `: mixed delimiters? the header uses ${DELIMITER_NAMES[delimiter]}s, this row has ${others.map((d) => DELIMITER_NAMES[d]).join(' and ')}s`
          : '';
      throw new CsvError('--data', `row ${i} has ${plural(record.length, 'field')}, the header ${plural(columns.length, 'column')}${hint}`, i);
    }
    rows.push(record);
    numbers.push(i);
  }
  if (rows.length === 0) throw new CsvError('--data', 'the file has a header but no data rows');
  if (rows.length > CSV_LIMITS.rows) throw new CsvError('--data', `the file has ${plural(rows.length, 'row')}; the limit is 1 M rows`);
  return { delimiter, columns, rows, rowNumbers: Int32Array.from(numbers) };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

/** A cell as a finite number, or null; with semicolons, 3,5 is 3.5. */
export function parseNumber(cell: string, delimiter: CsvDelimiter = ','): number | null {
  const s = cell.trim();
  const text = delimiter === ';' && DECIMAL_COMMA.test(s) ? s.replace(',', '.') : s;
  if (!NUMBER.test(text)) return null;
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

const DATE = /^(\d{4})([-/])(\d{1,2})(?:\2(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
/** The date formats a drift date and a date column may use. */
export const DATE_FORMATS = 'YYYY-MM, YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] (or T, / instead of -, Z or ±HH:MM)';

/** A date (see DATE_FORMATS) as milliseconds since 1970 (UTC unless it carries an offset), or null. */
export function parseDate(cell: string): number | null {
  const m = DATE.exec(cell.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[3], m[4] ?? '1', m[5] ?? '0', m[6] ?? '0', m[7] ?? '0'].map(Number);
  const daysIn = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysIn || hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (m[8] && m[8] !== 'Z') {
    const o = /^([+-])(\d{2}):?(\d{2})$/.exec(m[8])!;
    offset = (o[1] === '-' ? -1 : 1) * (Number(o[2]) * 60 + Number(o[3])) * 60_000;
  }
  return Date.UTC(year, month - 1, day, hour, minute, second) - offset;
}

/** How to turn a table into a task: which columns, how far ahead, where the drift is. */
export interface CsvTaskSpec {
  /** what the data is called in the description (a file name) */
  readonly source: string;
  readonly inputs: readonly string[];
  readonly target: string;
  /** rows between the inputs and the target (default 1) */
  readonly horizon?: number;
  /** the first row of regime B: a row number (from 1 after the header) or a date in the date column */
  readonly driftAt: string;
  /** the column --drift-at's date is looked up in; default the first column that holds a date on every row */
  readonly dateColumn?: string;
  readonly missing?: MissingPolicy;
}

/**
 * A table ready for the csv task: the columns it reads, z-scoring and streaming as series.ts says, and how
 * it was made. Plain data, so it crosses to worker threads intact.
 */
export interface CsvSeries extends SeriesTable {
  readonly source: string;
  /** each kept row's number in the file */
  readonly rowNumbers: Int32Array;
  /** the drift as given (a row number or a date) */
  readonly driftAt: string;
  readonly missing: MissingPolicy;
  /** rows dropped (--missing drop) and cells filled from the row above (--missing ffill) */
  readonly dropped: number;
  readonly filled: number;
  /** FNV-1a of the values and the settings: a changed file is a different config (the lr cache key) */
  readonly digest: string;
}

/**
 * The prototype of every CsvSeries csvSeries makes: its JSON (the CLI's --json, the lr-selection cache key)
 * is a summary and the digest, not every value. A structured clone (a worker thread's copy) drops the
 * prototype and keeps the data, which is all the task reads.
 */
const SUMMARISED = {
  toJSON(this: CsvSeries): unknown {
    const span = ([lo, hi]: readonly [number, number]) => ({ firstRow: this.rowNumbers[lo], lastRow: this.rowNumbers[hi - 1], rows: hi - lo });
    return {
      source: this.source,
      inputs: this.inputs.map((i) => this.names[i]),
      target: this.names[this.target],
      horizon: this.horizon,
      driftAt: this.driftAt,
      regimeA: span(this.regimes.A[0]),
      regimeB: span(this.regimes.B[0]),
      missing: this.missing,
      dropped: this.dropped,
      filled: this.filled,
      digest: this.digest,
    };
  },
};

/** FNV-1a (32 bits) over bytes, continued from `h`. */
function fnv1a(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h;
}

/** Column names for a message: the first dozen. */
function columnList(columns: readonly string[]): string {
  return columns.slice(0, 12).map(shown).join(', ') + (columns.length > 12 ? `, … (${columns.length} in all)` : '');
}

/**
 * The csv task's data from a parsed table: the named columns as numbers (missing cells handled by `missing`),
 * the drift resolved to a row, both regimes checked. Every problem is a CsvError naming the option, and the
 * row and column where one cell is at fault.
 */
export function csvSeries(table: CsvTable, spec: CsvTaskSpec): CsvSeries {
  const horizon = spec.horizon ?? DEFAULT_CSV_HORIZON;
  const missing = spec.missing ?? 'error';
  const b = CSV_HORIZON_BOUNDS;
  if (!Number.isInteger(horizon) || horizon < b.min || horizon > b.max)
    throw new CsvError('--horizon', `--horizon must be an integer in [${b.min}, ${b.max}], got ${horizon}`);
  const columnIndex = (name: string, option: string) => {
    const j = table.columns.indexOf(name.trim());
    if (j < 0) throw new CsvError(option, `${option}: no column ${shown(name.trim())} in the file (its columns: ${columnList(table.columns)})`);
    return j;
  };
  if (spec.inputs.length === 0) throw new CsvError('--inputs', '--inputs must name at least one column');
  const inputCols = spec.inputs.map((name) => columnIndex(name, '--inputs'));
  const twice = inputCols.find((j, i) => inputCols.indexOf(j) !== i);
  if (twice !== undefined) throw new CsvError('--inputs', `--inputs names ${shown(table.columns[twice])} twice`);
  const targetCol = columnIndex(spec.target, '--target');
  if (horizon === 0 && inputCols.includes(targetCol)) {
    throw new CsvError('--horizon', `--horizon 0 with ${shown(table.columns[targetCol])} among --inputs: the target would be its own input`);
  }
  const used = [...inputCols, ...(inputCols.includes(targetCol) ? [] : [targetCol])];
  const names = used.map((j) => table.columns[j]);
  const c = used.length;

  // The numbers, row by row; a missing cell is refused, drops its row, or takes the value above.
  const values = new Float64Array(table.rows.length * c);
  const kept: number[] = [];
  const last = new Float64Array(c).fill(NaN);
  let dropped = 0;
  let filled = 0;
  const row = new Float64Array(c);
  for (let i = 0; i < table.rows.length; i++) {
    const cells = table.rows[i];
    const rowNumber = table.rowNumbers[i];
    let gap = false;
    for (let k = 0; k < c; k++) {
      const cell = cells[used[k]];
      const v = parseNumber(cell, table.delimiter);
      if (v !== null) {
        row[k] = v;
        continue;
      }
      const where = `row ${rowNumber}, column ${shown(names[k])}`;
      if (!MISSING_TOKENS.has(cell.trim().toLowerCase())) throw new CsvError('--data', `${where}: ${shown(cell)} is not a number`, rowNumber, names[k]);
      if (missing === 'error')
        throw new CsvError(
          '--data',
          `${where}: the value is missing (--missing drop skips such rows, --missing ffill repeats the value above)`,
          rowNumber,
          names[k],
          ['drop', 'ffill'],
        );
      if (missing === 'ffill') {
        if (Number.isNaN(last[k]))
          throw new CsvError('--data', `${where}: the value is missing and no row above has one to fill it with (try --missing drop)`, rowNumber, names[k], [
            'drop',
          ]);
        row[k] = last[k];
        filled++;
      } else gap = true;
    }
    if (gap) {
      dropped++;
      continue;
    }
    values.set(row, kept.length * c);
    last.set(row);
    kept.push(i);
  }
  if (kept.length === 0) throw new CsvError('--data', `every row has a missing value in ${names.map(shown).join(', ')}: nothing is left after --missing drop`);
  const rowNumbers = Int32Array.from(kept, (i) => table.rowNumbers[i]);
  const rows = kept.length;

  const drift = driftIndex(table, spec, kept, rowNumbers);
  const firstOf = (k: number) => rowNumbers[k];
  const regimes = { A: [[0, drift]] as const, B: [[drift, rows]] as const };
  for (const [regime, [lo, hi]] of [
    ['A', [0, drift]],
    ['B', [drift, rows]],
  ] as const) {
    if (regimePositions(hi - lo, horizon) < 1) {
      const span = hi > lo ? ` (rows ${firstOf(lo)}-${firstOf(hi - 1)})` : '';
      throw new CsvError(
        '--drift-at',
        `regime ${regime} ${regime === 'A' ? 'before' : 'from'} the drift has ${plural(hi - lo, 'row')}${span}; with --horizon ${horizon} it needs at least ${horizon + 1}`,
      );
    }
  }
  const statsA = columnStats({ names, values }, regimeRows(regimes.A));
  for (let k = 0; k < c; k++) {
    if (!Number.isFinite(statsA.mean[k]) || !Number.isFinite(statsA.std[k])) {
      throw new CsvError('--data', `column ${shown(names[k])} has values too large to z-score (rows ${firstOf(0)}-${firstOf(drift - 1)})`, undefined, names[k]);
    }
    if (!(statsA.std[k] > 0)) {
      throw new CsvError(
        '--data',
        `column ${shown(names[k])} is constant before the drift (${statsA.mean[k]} on rows ${firstOf(0)}-${firstOf(drift - 1)}): it cannot be z-scored; leave it out`,
        undefined,
        names[k],
      );
    }
  }
  const trimmed = values.slice(0, rows * c);
  // A value millions of A's standard deviations away overflows the learner's float32 loss: say where, not diverge.
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < c; k++) {
      const z = (trimmed[r * c + k] - statsA.mean[k]) / statsA.std[k];
      if (!(Math.abs(z) <= CSV_MAX_Z)) {
        throw new CsvError(
          '--data',
          `row ${rowNumbers[r]}, column ${shown(names[k])}: ${trimmed[r * c + k]} is ${z.toExponential(1)} standard deviations from regime A's mean (at most 1e6 can be learned; is the column nearly constant before the drift?)`,
          rowNumbers[r],
          names[k],
        );
      }
    }
  }
  const settings = new TextEncoder().encode(JSON.stringify([names, used.indexOf(targetCol), horizon, drift, missing]));
  const digest = fnv1a(settings, fnv1a(new Uint8Array(trimmed.buffer)))
    .toString(16)
    .padStart(8, '0');
  const series: CsvSeries = {
    source: spec.source,
    names,
    values: trimmed,
    rows,
    inputs: inputCols.map((j) => used.indexOf(j)),
    target: used.indexOf(targetCol),
    horizon,
    regimes,
    rowNumbers,
    driftAt: spec.driftAt.trim(),
    missing,
    dropped,
    filled,
    digest,
  };
  return Object.assign(Object.create(SUMMARISED) as CsvSeries, series);
}

/** The index (into kept rows) of regime B's first row: a row number, or the first row at or after a date. */
function driftIndex(table: CsvTable, spec: CsvTaskSpec, kept: readonly number[], rowNumbers: Int32Array): number {
  const raw = spec.driftAt.trim();
  const lastRow = table.rowNumbers[table.rowNumbers.length - 1];
  if (/^\d+$/.test(raw)) {
    const r = Number(raw);
    if (r < 2 || r > lastRow) {
      throw new CsvError(
        '--drift-at',
        `--drift-at ${raw} is outside the data: a row number must be in [2, ${lastRow}] (row 1 is the first data row; regime A is the rows before the drift)`,
      );
    }
    const k = rowNumbers.findIndex((n) => n >= r);
    if (k < 0) throw new CsvError('--drift-at', `--drift-at ${raw}: every row from ${raw} on was dropped for missing values`);
    return k;
  }
  const at = parseDate(raw);
  if (at === null) throw new CsvError('--drift-at', `--drift-at must be a row number or a date (${DATE_FORMATS}), got ${shown(raw)}`);
  let col: number;
  if (spec.dateColumn !== undefined) {
    col = table.columns.indexOf(spec.dateColumn.trim());
    if (col < 0)
      throw new CsvError('--date-column', `--date-column: no column ${shown(spec.dateColumn.trim())} in the file (its columns: ${columnList(table.columns)})`);
  } else {
    col = table.columns.findIndex((_, j) => kept.every((i) => parseDate(table.rows[i][j]) !== null));
    if (col < 0)
      throw new CsvError('--drift-at', `--drift-at ${raw} is a date, but no column holds a date on every row (${DATE_FORMATS}); name one with --date-column`);
  }
  const name = table.columns[col];
  let previous = -Infinity;
  const times = kept.map((i, k) => {
    const cell = table.rows[i][col];
    const t = parseDate(cell);
    if (t === null)
      throw new CsvError('--date-column', `row ${rowNumbers[k]}, column ${shown(name)}: ${shown(cell)} is not a date (${DATE_FORMATS})`, rowNumbers[k], name);
    if (t < previous)
      throw new CsvError(
        '--date-column',
        `row ${rowNumbers[k]}, column ${shown(name)}: ${shown(cell)} is earlier than the row above; the rows must be in time order`,
        rowNumbers[k],
        name,
      );
    previous = t;
    return t;
  });
  const k = times.findIndex((t) => t >= at);
  const first = table.rows[kept[0]][col].trim();
  const lastDate = table.rows[kept[kept.length - 1]][col].trim();
  if (k < 0)
    throw new CsvError('--drift-at', `--drift-at ${raw} is after the last row's date (${shown(lastDate)} in column ${shown(name)}): regime B would be empty`);
  if (k === 0)
    throw new CsvError(
      '--drift-at',
      `--drift-at ${raw} is at or before the first row's date (${shown(first)} in column ${shown(name)}): regime A would be empty`,
    );
  return k;
}

/** A csv task's steps fit its data: each regime holds its steps plus the horizon, so no row repeats in a stream. */
export function checkCsvSteps(series: CsvSeries | undefined, pretrainSteps: number, adaptSteps: number): void {
  if (!series) throw new ConfigError('--data', '--task csv needs a table: --data FILE --inputs A,B --target C --drift-at ROW|DATE');
  const h = series.horizon;
  for (const [regime, steps, option] of [
    ['A', Math.max(pretrainSteps, 1), '--pretrain'],
    ['B', adaptSteps, '--adapt'],
  ] as const) {
    const [lo, hi] = series.regimes[regime][0];
    const have = hi - lo;
    if (have < steps + h) {
      throw new CsvError(
        option,
        `regime ${regime} (rows ${series.rowNumbers[lo]}-${series.rowNumbers[hi - 1]}, ${regime === 'A' ? 'before' : 'from'} the drift) has ${plural(have, 'row')}; ${option} ${steps} with --horizon ${h} needs ${steps + h} (steps + horizon, so no row repeats in the stream): lower ${option} or move --drift-at`,
      );
    }
  }
}

/** One line for the task's description. */
function describe(s: CsvSeries): string {
  const [a, b] = [s.regimes.A[0], s.regimes.B[0]];
  const span = ([lo, hi]: readonly [number, number]) => `rows ${s.rowNumbers[lo]}-${s.rowNumbers[hi - 1]}`;
  const inputs = s.inputs.map((i) => s.names[i]).join(', ');
  const ahead = s.horizon === 0 ? 'on the same row' : `${s.horizon} row${s.horizon === 1 ? '' : 's'} ahead`;
  const handled =
    s.dropped > 0
      ? `; ${plural(s.dropped, 'row')} with missing values dropped`
      : s.filled > 0
        ? `; ${plural(s.filled, 'missing cell')} filled from the row above`
        : '';
  return `CSV ${s.source}: ${s.names[s.target]} ${ahead} from ${inputs}; ${span(a)} (A) -> ${span(b)} (B, drift at ${s.driftAt}); z-scored on A${handled}; a seed picks each regime's starting row, wrapping with a reset`;
}

/** The csv task over a prepared table; the seed picks each regime's starting row. */
export function createCsvTask(rng: Rng, series: CsvSeries | undefined): Task {
  if (!series) throw new ConfigError('--data', '--task csv needs a table: --data FILE --inputs A,B --target C --drift-at ROW|DATE');
  return createSeriesTask(series, { name: 'csv', description: describe(series) }, rng);
}

/** Text to task data in one call: parseCsv, then csvSeries. */
export function csvSeriesFromText(text: string, spec: CsvTaskSpec): CsvSeries {
  return csvSeries(parseCsv(text), spec);
}
