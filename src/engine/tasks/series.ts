/**
 * Recorded series as tasks: a table of numeric columns, some of them inputs, one the target h rows ahead,
 * and the rows of regime A (pretraining) and regime B (after the drift). The weather and CO₂ tasks and a
 * user's CSV file (csv.ts) all stream through here, so they share one set of rules:
 * - every column is z-scored with the mean and std of regime A's rows only: nothing from regime B (the
 *   future, from pretraining's point of view) leaks into the normalisation;
 * - x_t holds the inputs at stream position p, y_t the target at position p + h of the same regime, so a
 *   target never reaches across the drift;
 * - a seed picks each regime's starting position (drawn once when the task is created), and the stream runs
 *   through the regime's rows in order; after its last position it wraps to the first with a reset (the
 *   learner clears its state and sensitivity there), so any number of steps can be asked for.
 * No fs and no DOM: the CLI reads files, the app will hand over text.
 */
import { ConfigError } from '../bounds';
import type { Rng } from '../rng';
import { allocateSequence, type Regime, type Sequence, type Task, type TaskName } from './task';

/** Row ranges [start, end) in stream order; consecutive ranges join without a reset (they are continuous in time). */
export type RowRanges = readonly (readonly [number, number])[];

/** A numeric table ready to stream: what it is, its columns, and where each regime's rows are. */
export interface SeriesTable {
  /** column names, in the order of `values`' columns */
  readonly names: readonly string[];
  /** rows × names.length, row-major */
  readonly values: Float64Array;
  readonly rows: number;
  /** input columns (indices into names) */
  readonly inputs: readonly number[];
  /** the target column (an index into names; it may also be an input) */
  readonly target: number;
  /** the target is `horizon` rows after the inputs (0: the same row) */
  readonly horizon: number;
  readonly regimes: Readonly<Record<Regime, RowRanges>>;
}

/** The positions a regime can stream from: each row once, in order (the ranges concatenated). */
export function regimeRows(ranges: RowRanges): Int32Array {
  const total = ranges.reduce((s, [a, b]) => s + Math.max(0, b - a), 0);
  const out = new Int32Array(total);
  let i = 0;
  for (const [a, b] of ranges) for (let r = a; r < b; r++) out[i++] = r;
  return out;
}

/** Stream positions a regime of `rows` rows offers before it wraps: a target `horizon` rows on must stay inside. */
export function regimePositions(rows: number, horizon: number): number {
  return Math.max(0, rows - horizon);
}

/** Per-column mean and std over regime A's rows (the normalisation, fitted on A only). */
export interface ColumnStats {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/** Mean and population std of every column over `rows`; two passes, so large offsets lose no precision. */
export function columnStats(table: Pick<SeriesTable, 'values' | 'names'>, rows: Int32Array): ColumnStats {
  const c = table.names.length;
  const mean = new Float64Array(c);
  const std = new Float64Array(c);
  for (const r of rows) for (let j = 0; j < c; j++) mean[j] += table.values[r * c + j];
  for (let j = 0; j < c; j++) mean[j] /= Math.max(1, rows.length);
  for (const r of rows) {
    for (let j = 0; j < c; j++) {
      const d = table.values[r * c + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < c; j++) std[j] = Math.sqrt(std[j] / Math.max(1, rows.length));
  return { mean, std };
}

/** What a series task says about itself beyond the table. */
export interface SeriesTaskInfo {
  readonly name: TaskName;
  readonly description: string;
}

/**
 * A task streaming `table`. The seed (`rng`, the data stream) draws regime A's starting position, then
 * regime B's; nothing else is random, so the per-call rng is unused. Throws a ConfigError if a column the
 * task reads is constant (or not finite) over regime A: it could not be z-scored.
 */
export function createSeriesTask(table: SeriesTable, info: SeriesTaskInfo, rng: Rng): Task {
  const rowsOf = { A: regimeRows(table.regimes.A), B: regimeRows(table.regimes.B) };
  const positions = { A: regimePositions(rowsOf.A.length, table.horizon), B: regimePositions(rowsOf.B.length, table.horizon) };
  for (const regime of ['A', 'B'] as const) {
    if (positions[regime] < 1)
      throw new ConfigError('task', `${info.name}: regime ${regime} has ${rowsOf[regime].length} rows, fewer than the horizon ${table.horizon} + 1`);
  }
  const stats = columnStats(table, rowsOf.A);
  const used = [...new Set([...table.inputs, table.target])];
  for (const j of used) {
    if (!(stats.std[j] > 0) || !Number.isFinite(stats.std[j]) || !Number.isFinite(stats.mean[j])) {
      throw new ConfigError('task', `${info.name}: column '${table.names[j]}' cannot be z-scored over regime A (std ${stats.std[j]})`);
    }
  }
  const c = table.names.length;
  const z = (r: number, j: number) => (table.values[r * c + j] - stats.mean[j]) / stats.std[j];
  // drawn once, A then B, so a seed's streams do not depend on how many steps are asked for
  const next = { A: rng.int(positions.A), B: rng.int(positions.B) };

  // The best constant predictor on regime B (B's own mean target): the lab's loss is ½·MSE, so ½·variance.
  const targetsB = new Float64Array(positions.B);
  for (let p = 0; p < positions.B; p++) targetsB[p] = z(rowsOf.B[p + table.horizon], table.target);
  const meanB = targetsB.reduce((s, v) => s + v, 0) / targetsB.length;
  const trivialLoss = 0.5 * (targetsB.reduce((s, v) => s + (v - meanB) * (v - meanB), 0) / targetsB.length);

  const m = table.inputs.length;
  return {
    name: info.name,
    inputSize: m,
    outputSize: 1,
    trivialLoss,
    description: info.description,
    generate(regime: Regime, length: number, _rng: Rng): Sequence {
      const seq = allocateSequence(length, m, 1);
      const rows = rowsOf[regime];
      const count = positions[regime];
      for (let t = 0; t < length; t++) {
        let p = next[regime];
        if (p >= count) {
          // the regime's rows are used up: start again from its first row, as a new sequence
          p = 0;
          seq.reset[t] = 1;
        }
        const r = rows[p];
        for (let i = 0; i < m; i++) seq.x[t * m + i] = z(r, table.inputs[i]);
        seq.y[t] = z(rows[p + table.horizon], table.target);
        next[regime] = p + 1;
      }
      return seq;
    },
  };
}
