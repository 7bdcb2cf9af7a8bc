/**
 * A user's own table between the page and the engine worker. The page reads a dropped file's text and
 * posts it to the worker (never over the network); the worker parses it with the engine's csv.ts, keeps
 * the table, and answers with a preview (the columns, a sample of their values for the plot); for a choice
 * of columns, horizon and drift it answers with the prepared series (the csv task's data, which the page
 * hands to the live run and the jobs) or with the engine's message naming the row and column at fault.
 * Types and small constants only: the page's entry chunk loads this.
 */
import type { CsvDelimiter, CsvSeries, MissingPolicy } from '../../engine/tasks/csv';

export type { CsvSeries, MissingPolicy };

/** The largest file the page reads: the engine's CSV_LIMITS.bytes (tasks/csv.ts; a test keeps them equal). */
export const CSV_FILE_LIMIT_BYTES = 50_000_000;

/** Rows the preview plot samples at most (evenly spaced; the drift can still be typed as any row). */
export const CSV_PREVIEW_POINTS = 800;

/** What the page says about where the data go, wherever a file is taken in. */
export const CSV_PRIVACY_NOTE = 'Your file stays in this browser: it is read here and handed to the engine’s worker thread; nothing is uploaded.';

/** One column of the preview. */
export interface CsvColumnPreview {
  name: string;
  /** every sampled cell is a number or missing, and at least one is a number */
  numeric: boolean;
  /** every row holds a date (the drift can be a date of this column) */
  date: boolean;
  /** the sampled values (NaN where a cell is missing or not a number), aligned with CsvPreview.sampleRows */
  values: Float64Array;
}

/** A parsed file as the import dialog shows it. */
export interface CsvPreview {
  fileId: number;
  /** the file's name, for the description and the dialog */
  name: string;
  delimiter: CsvDelimiter;
  /** data rows (after the header, blank lines skipped) */
  rows: number;
  /** the first and last data rows' numbers in the file (from 1 after the header) */
  firstRow: number;
  lastRow: number;
  columns: CsvColumnPreview[];
  /** the row number (from 1 after the header) of each sample */
  sampleRows: Int32Array;
  /** the first date column's cells at the samples, or null when no column holds dates */
  dates: string[] | null;
  dateColumn: string | null;
}

/** What the user picked in the dialog (the link keeps all of it but the file). */
export interface CsvChoice {
  inputs: string[];
  target: string;
  horizon: number;
  /** a row number, or a date in the date column */
  driftAt: string;
  missing: MissingPolicy;
}

/** The engine's complaint about a file or a choice, as the dialog shows it. */
export interface CsvProblem {
  message: string;
  /** the setting at fault, in the CLI's words (--data, --inputs, --drift-at, …) */
  option: string;
  /** the row (from 1 after the header) and column of the cell at fault, where one cell is */
  row?: number;
  column?: string;
  /** the missing-cell policies that get past it: the dialog offers them as buttons */
  fixes: MissingPolicy[];
}

export type CsvToWorker =
  { type: 'csvLoad'; fileId: number; name: string; text: string } | { type: 'csvPrepare'; fileId: number; requestId: number; choice: CsvChoice };

export type CsvFromWorker =
  | { type: 'csvLoaded'; fileId: number; preview: CsvPreview }
  /** requestId: the prepare that failed; absent: the file itself could not be read */
  | { type: 'csvFailed'; fileId: number; requestId?: number; problem: CsvProblem }
  | { type: 'csvPrepared'; fileId: number; requestId: number; series: CsvSeries; description: string };

export function isCsvFromWorker(m: { type: string }): m is CsvFromWorker {
  return m.type === 'csvLoaded' || m.type === 'csvFailed' || m.type === 'csvPrepared';
}

export function isCsvToWorker(m: { type: string }): m is CsvToWorker {
  return m.type === 'csvLoad' || m.type === 'csvPrepare';
}

/** The fix buttons' words. */
export const MISSING_FIX_LABELS: Record<MissingPolicy, string> = {
  error: 'stop at a missing value',
  drop: 'Drop rows with a missing value',
  ffill: 'Fill forward (repeat the value above)',
};
