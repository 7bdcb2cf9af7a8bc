/**
 * The user's own table on the page: a dropped or picked file's text goes to the engine worker by
 * postMessage (never over the network), which parses it with the engine's csv.ts and answers with a preview;
 * each choice in the import dialog is checked there too, and the prepared series it sends back is what
 * the live run and the jobs stream. The settings (and the link) keep the choice, not the file: a link with
 * task=csv and no file loaded asks for the file and keeps everything else.
 */
import { CSV_FILE_LIMIT_BYTES, withChange, type CsvChoice, type CsvFromWorker, type CsvPreview, type CsvSeries, type LabParams } from '../contract';
import { restart, sendToEngine, writeHash } from './controller';
import { NO_CSV, useLab, type CsvImportState } from './store';

let fileId = 0;
let requestId = 0;
/** the series prepared for the latest request, and the choice it was prepared for */
let prepared: { key: string; series: CsvSeries } | null = null;
/** a run waiting for its series (restart with task=csv before the prepared series matched) */
let pending: { requestId: number; start: (series: CsvSeries) => void } | null = null;

function setCsv(patch: Partial<CsvImportState>): void {
  useLab.setState({ csv: { ...useLab.getState().csv, ...patch } });
}

/** The csv task's choice in the settings. */
export function choiceOf(p: Pick<LabParams, 'csvInputs' | 'csvTarget' | 'csvHorizon' | 'csvDrift' | 'csvMissing'>): CsvChoice {
  const inputs = p.csvInputs
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return { inputs, target: p.csvTarget.trim(), horizon: p.csvHorizon, driftAt: p.csvDrift.trim(), missing: p.csvMissing };
}

function keyOf(choice: CsvChoice): string {
  return JSON.stringify([fileId, choice.inputs, choice.target, choice.horizon, choice.driftAt, choice.missing]);
}

export function openCsvImport(): void {
  setCsv({ open: true });
}

export function closeCsvImport(): void {
  setCsv({ open: false });
}

/** Reads a dropped or picked file here and hands its text to the engine worker. */
export async function loadCsvFile(file: File): Promise<void> {
  const id = ++fileId;
  prepared = null;
  setCsv({ open: true, fileId: id, fileName: file.name, loading: true, preview: null, draft: null, problem: null, description: null });
  if (file.size > CSV_FILE_LIMIT_BYTES) {
    setCsv({
      loading: false,
      problem: { message: `the file is ${(file.size / 1e6).toFixed(1)} MB; the limit is 50 MB (and 1 M rows)`, option: '--data', fixes: [] },
    });
    return;
  }
  let text: string;
  try {
    text = await file.text();
  } catch (e) {
    if (id === fileId)
      setCsv({
        loading: false,
        problem: { message: `the file could not be read: ${e instanceof Error ? e.message : String(e)}`, option: '--data', fixes: [] },
      });
    return;
  }
  if (id !== fileId) return;
  sendToEngine({ type: 'csvLoad', fileId: id, name: file.name, text });
}

/** A first choice for a new file: the link's, where its columns are in the file; else every numeric column in, the last one the target, the drift halfway. */
export function initialChoice(preview: CsvPreview, p: LabParams): CsvChoice {
  const names = new Set(preview.columns.map((c) => c.name));
  const fromLink = choiceOf(p);
  if (fromLink.target !== '' && names.has(fromLink.target)) {
    const mid = Math.floor(preview.sampleRows.length / 2);
    return { ...fromLink, inputs: fromLink.inputs.filter((c) => names.has(c)), driftAt: fromLink.driftAt || String(preview.sampleRows[mid]) };
  }
  const numeric = preview.columns.filter((c) => c.numeric && !c.date).map((c) => c.name);
  const mid = Math.floor(preview.sampleRows.length / 2);
  return {
    inputs: numeric,
    target: numeric.at(-1) ?? '',
    horizon: 1,
    driftAt: preview.dates ? preview.dates[mid] : String(preview.sampleRows[mid]),
    missing: 'error',
  };
}

function prepare(choice: CsvChoice): number {
  const id = ++requestId;
  setCsv({ draft: choice, description: null });
  sendToEngine({ type: 'csvPrepare', fileId, requestId: id, choice });
  return id;
}

/** A change in the dialog: checked by the engine at once (its message, or the task's description). */
export function setCsvDraft(patch: Partial<CsvChoice>): void {
  const draft = useLab.getState().csv.draft;
  if (!draft) return;
  prepare({ ...draft, ...patch });
}

/** "Run on this table": the choice becomes the settings (and the link), and the run starts on it. */
export function runCsv(): void {
  const { csv, params } = useLab.getState();
  if (!csv.draft || csv.problem || !csv.preview) return;
  const d = csv.draft;
  // withChange: the learning rate follows the task's (and model's) default unless the user set their own;
  // the transformer takes no table (the CLI says the same): the RNN runs it
  let base = withChange(params, 'task', 'csv');
  if (base.model === 'transformer') base = withChange(base, 'model', 'rnn');
  const next: LabParams = {
    ...base,
    csvInputs: d.inputs.join(','),
    csvTarget: d.target,
    csvHorizon: d.horizon,
    csvDrift: d.driftAt,
    csvMissing: d.missing,
  };
  useLab.setState({ params: next, claim: null, csv: { ...csv, open: false, needsFile: false } });
  writeHash(next);
  restart();
}

/** The series of these settings if the loaded file has it prepared, else null. */
export function preparedSeries(p: LabParams): CsvSeries | null {
  return prepared && prepared.key === keyOf(choiceOf(p)) ? prepared.series : null;
}

/**
 * For a run with task=csv: calls `start` with the series of the settings' choice, at once when it is
 * prepared, after the engine has prepared it otherwise; without a file it asks for one (the dialog opens
 * with the link's choice in it) and starts nothing. Returns a message for the page when nothing can start.
 */
export function withCsvSeries(p: LabParams, start: (series: CsvSeries) => void): string | null {
  const ready = preparedSeries(p);
  if (ready) {
    pending = null;
    start(ready);
    return null;
  }
  const { csv } = useLab.getState();
  if (csv.preview && choiceOf(p).target === '') {
    setCsv({ open: true });
    return 'Pick the input and target columns of your table in the import dialog, then Run.';
  }
  if (!csv.preview) {
    const c = choiceOf(p);
    // a shared link names the columns: it runs as soon as the file is in; the task chosen by hand waits for the dialog
    const fromLink = c.target !== '';
    setCsv({ open: true, needsFile: fromLink });
    if (!fromLink)
      return 'Your own data: drop a CSV or TSV file on the page, or pick one in the import dialog, then choose its columns and Run. The file stays in this browser.';
    const what = ` (target ${c.target}${c.inputs.length ? ` from ${c.inputs.join(', ')}` : ''}, horizon ${c.horizon}${c.driftAt ? `, drift at ${c.driftAt}` : ''})`;
    return `These settings run your own table${what}, but a link cannot carry the file itself: drop the CSV or TSV file on the page, or pick it in the import dialog, and the run starts with the rest of the link as it is.`;
  }
  pending = { requestId: prepare(choiceOf(p)), start };
  return null;
}

export function onCsvMessage(m: CsvFromWorker): void {
  if (m.fileId !== fileId) return;
  if (m.type === 'csvLoaded') {
    const choice = initialChoice(m.preview, useLab.getState().params);
    setCsv({ loading: false, preview: m.preview, problem: null });
    const { csv, params } = useLab.getState();
    const waiting = csv.needsFile && params.task === 'csv' && choiceOf(params).target !== '';
    const id = prepare(choice);
    // a link that asked for the file: it runs as soon as the file fits the link's choice
    if (waiting)
      pending = {
        requestId: id,
        start: () => {
          setCsv({ open: false, needsFile: false });
          restart();
        },
      };
    return;
  }
  if (m.type === 'csvFailed') {
    if (m.requestId !== undefined && m.requestId !== requestId) return;
    if (m.requestId === undefined) setCsv({ loading: false, preview: null, draft: null });
    setCsv({ problem: m.problem, description: null, open: true });
    if (pending && pending.requestId === m.requestId) {
      pending = null;
      useLab.setState({ status: 'error', error: `Your table cannot run with these settings: ${m.problem.message}` });
    }
    return;
  }
  if (m.requestId !== requestId) return;
  const draft = useLab.getState().csv.draft!;
  prepared = { key: keyOf(draft), series: m.series };
  setCsv({ problem: null, description: m.description, needsFile: false });
  const waiting = pending;
  if (waiting && waiting.requestId === m.requestId) {
    pending = null;
    waiting.start(m.series);
  }
}

/** Forgets the file (tests; a new page). */
export function resetCsv(): void {
  prepared = null;
  pending = null;
  useLab.setState({ csv: NO_CSV });
}
