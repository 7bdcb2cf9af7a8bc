/**
 * The engine worker's side of a user's own table: the engine's parser (tasks/csv.ts, the CLI's too) reads
 * the text the page posted, the table stays here, and the page gets a preview for the import dialog, then
 * for each choice either the prepared series (the csv task's data) or the engine's message naming the row
 * and column at fault. No second parser: every rule and message is csv.ts's.
 */
import { ConfigError } from '../../engine/bounds';
import { createCsvTask, CsvError, csvSeries, parseCsv, parseDate, parseNumber, type CsvTable } from '../../engine/tasks/csv';
import { Rng } from '../../engine/rng';
import { CSV_PREVIEW_POINTS, type CsvColumnPreview, type CsvFromWorker, type CsvPreview, type CsvProblem, type CsvToWorker } from '../contract/csv';

/** The latest file the page sent (one at a time: a new drop replaces it). */
let loaded: { fileId: number; name: string; table: CsvTable } | null = null;

/** An engine error as the dialog shows it. */
export function csvProblemOf(e: unknown): CsvProblem {
  if (e instanceof CsvError) return { message: e.message, option: e.option, row: e.row, column: e.column, fixes: [...e.fixes] };
  if (e instanceof ConfigError) return { message: e.message, option: e.option, fixes: [] };
  return { message: e instanceof Error ? e.message : String(e), option: '--data', fixes: [] };
}

/** The dialog's view of a table: each column sampled at up to CSV_PREVIEW_POINTS evenly spaced rows. */
export function csvPreview(fileId: number, name: string, table: CsvTable): CsvPreview {
  const rows = table.rows.length;
  const count = Math.min(rows, CSV_PREVIEW_POINTS);
  const picks = Int32Array.from({ length: count }, (_, i) => (count === 1 ? 0 : Math.round((i * (rows - 1)) / (count - 1))));
  const columns: CsvColumnPreview[] = table.columns.map((column, j) => {
    const values = Float64Array.from(picks, (i) => parseNumber(table.rows[i][j], table.delimiter) ?? NaN);
    const numbers = values.reduce((a, v) => a + (Number.isNaN(v) ? 0 : 1), 0);
    // a column of text (a date, a label) is not offered as an input; a gap here and there is
    const numeric = numbers > 0 && numbers >= 0.5 * count;
    const date = table.rows.every((r) => parseDate(r[j]) !== null);
    return { name: column, numeric, date, values };
  });
  const dateIndex = columns.findIndex((c) => c.date);
  return {
    fileId,
    name,
    delimiter: table.delimiter,
    rows,
    firstRow: table.rowNumbers[0],
    lastRow: table.rowNumbers[rows - 1],
    columns,
    sampleRows: Int32Array.from(picks, (i) => table.rowNumbers[i]),
    dates: dateIndex < 0 ? null : Array.from(picks, (i) => table.rows[i][dateIndex].trim()),
    dateColumn: dateIndex < 0 ? null : table.columns[dateIndex],
  };
}

/** Answers one of the page's csv messages. */
export function handleCsvMessage(m: CsvToWorker): CsvFromWorker {
  if (m.type === 'csvLoad') {
    loaded = null;
    try {
      const table = parseCsv(m.text);
      loaded = { fileId: m.fileId, name: m.name, table };
      return { type: 'csvLoaded', fileId: m.fileId, preview: csvPreview(m.fileId, m.name, table) };
    } catch (e) {
      return { type: 'csvFailed', fileId: m.fileId, problem: csvProblemOf(e) };
    }
  }
  if (!loaded || loaded.fileId !== m.fileId) {
    return {
      type: 'csvFailed',
      fileId: m.fileId,
      requestId: m.requestId,
      problem: { message: 'the file is no longer loaded: drop it again', option: '--data', fixes: [] },
    };
  }
  try {
    const series = csvSeries(loaded.table, { source: loaded.name, ...m.choice });
    // the task's own one-line description (and its checks: a column constant over regime A, …)
    const description = createCsvTask(new Rng(1), series).description;
    // a plain copy: the prototype (its toJSON) does not cross threads, the values do
    return { type: 'csvPrepared', fileId: m.fileId, requestId: m.requestId, series: { ...series }, description };
  } catch (e) {
    return { type: 'csvFailed', fileId: m.fileId, requestId: m.requestId, problem: csvProblemOf(e) };
  }
}
