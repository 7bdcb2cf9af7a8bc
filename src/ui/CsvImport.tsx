/**
 * Your own data: drop a CSV or TSV anywhere on the page (or pick a file), see its columns and a preview
 * plot, pick the inputs, the target, the horizon and the drift (typed, or clicked on the plot), and run.
 * The engine worker parses and checks everything (csvController.ts); this renders what it says: the
 * preview, the prepared task's description, or its message naming the row and column, with the fixes the
 * engine offers. The file stays in the browser, and the page says so.
 */
import { scaleLinear } from 'd3';
import { useEffect, useId, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import { closeCsvImport, loadCsvFile, openCsvImport, runCsv, setCsvDraft } from '../app/page/csvController';
import { useLab } from '../app/page/store';
import { CSV_PRIVACY_NOTE, MISSING_FIX_LABELS, type CsvChoice, type CsvPreview } from '../app/contract';
import { Field, useDraft } from './Field';

/** The button that opens the dialog (beside the task choice). */
export function CsvImportButton() {
  return (
    <button type="button" className="small-button" onClick={openCsvImport} data-testid="csv-open" style={{ marginTop: '0.3rem' }}>
      Your own data (CSV/TSV)…
    </button>
  );
}

/** Files dropped anywhere on the page open the dialog with that file; an outline shows while one is dragged over. */
function usePageDrop(): boolean {
  const [over, setOver] = useState(false);
  useEffect(() => {
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const onOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(true);
    };
    const onLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) setOver(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (file) void loadCsvFile(file);
    };
    window.addEventListener('dragover', onOver);
    window.addEventListener('dragleave', onLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onOver);
      window.removeEventListener('dragleave', onLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);
  return over;
}

const PLOT_HEIGHT = 200;
const MARGIN = { left: 46, right: 10, top: 14, bottom: 26 };

/** The sample index of the drift: the first sample at or after it (a row number, or a date compared as ISO text). */
function driftSample(preview: CsvPreview, driftAt: string): number | null {
  const raw = driftAt.trim();
  if (raw === '') return null;
  if (/^\d+$/.test(raw)) {
    const r = Number(raw);
    const i = preview.sampleRows.findIndex((row) => row >= r);
    return i < 0 ? null : i;
  }
  if (!preview.dates) return null;
  const i = preview.dates.findIndex((d) => d >= raw);
  return i < 0 ? null : i;
}

/** The chosen columns over the rows, each z-scored so they share one axis; the drift line and the regimes; a click sets the drift. */
function PreviewPlot({ preview, draft, driftAsDate, problemRow }: { preview: CsvPreview; draft: CsvChoice; driftAsDate: boolean; problemRow: number | null }) {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(640);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(Math.max(320, el.clientWidth)));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const rows = preview.sampleRows;
  const x = scaleLinear()
    .domain([rows[0], rows[rows.length - 1] === rows[0] ? rows[0] + 1 : rows[rows.length - 1]])
    .range([MARGIN.left, width - MARGIN.right]);
  const shown = [...new Set([...draft.inputs, draft.target])].filter((name) => preview.columns.some((c) => c.name === name && c.numeric));
  // Okabe–Ito colours (not the arms' meaning here: these are columns); the target in ink
  const palette = ['#0072b2', '#d55e00', '#cc79a7', '#009e73', '#e69f00', '#56b4e9'];
  let lo = Infinity;
  let hi = -Infinity;
  const lines = shown.map((name, i) => {
    const v = preview.columns.find((c) => c.name === name)!.values;
    let sum = 0;
    let count = 0;
    for (const a of v) {
      if (!Number.isFinite(a)) continue;
      sum += a;
      count++;
    }
    const mean = sum / Math.max(1, count);
    let sq = 0;
    for (const a of v) if (Number.isFinite(a)) sq += (a - mean) ** 2;
    const std = Math.sqrt(sq / Math.max(1, count)) || 1;
    const z = Array.from(v, (a) => (a - mean) / std);
    for (const a of z) {
      if (!Number.isFinite(a)) continue;
      lo = Math.min(lo, a);
      hi = Math.max(hi, a);
    }
    return { name, z, color: name === draft.target ? '#1a1c20' : palette[i % palette.length], target: name === draft.target };
  });
  if (!(hi > lo)) {
    lo = -1;
    hi = 1;
  }
  const y = scaleLinear()
    .domain([lo, hi])
    .nice()
    .range([PLOT_HEIGHT - MARGIN.bottom, MARGIN.top]);
  const path = (z: number[]) => {
    let d = '';
    let pen = false;
    z.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${x(rows[i]).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    });
    return d;
  };
  const drift = driftSample(preview, draft.driftAt);
  const driftX = drift === null ? null : x(rows[drift]);
  const pick = (clientX: number, svg: SVGSVGElement) => {
    const r = x.invert(clientX - svg.getBoundingClientRect().left);
    let best = 1;
    for (let i = 1; i < rows.length; i++) if (Math.abs(rows[i] - r) < Math.abs(rows[best] - r)) best = i;
    setCsvDraft({ driftAt: driftAsDate && preview.dates ? preview.dates[best] : String(rows[best]) });
  };
  // whole rows, and none so close to the right edge that its label is cut
  const ticks = x.ticks(6).filter((t) => Number.isInteger(t) && x(t) < width - MARGIN.right - 30);
  const dateAt = (row: number) => {
    if (!preview.dates) return null;
    const i = rows.findIndex((r) => r >= row);
    return i < 0 ? null : preview.dates[i];
  };
  return (
    <div ref={ref} className="csv-plot" data-testid="csv-preview-plot" data-lines={lines.length} data-drift-x={driftX === null ? '' : driftX.toFixed(0)}>
      <svg
        width={width}
        height={PLOT_HEIGHT}
        role="img"
        aria-label={`Preview of ${shown.join(', ') || 'no column'} over rows ${rows[0]}–${rows[rows.length - 1]}, z-scored; the drift ${draft.driftAt ? `at ${draft.driftAt}` : 'not set'}. Click to move the drift.`}
        style={{ cursor: 'crosshair', display: 'block' }}
        onClick={(e) => pick(e.clientX, e.currentTarget)}
      >
        {driftX !== null && (
          <>
            <rect
              x={MARGIN.left}
              y={MARGIN.top}
              width={Math.max(0, driftX - MARGIN.left)}
              height={PLOT_HEIGHT - MARGIN.top - MARGIN.bottom}
              fill="#1f4e9c"
              opacity={0.06}
            />
            <text x={MARGIN.left + 4} y={MARGIN.top + 10} fontSize={11} fill="#555b64">
              A: pretraining
            </text>
            <line x1={driftX} x2={driftX} y1={MARGIN.top - 6} y2={PLOT_HEIGHT - MARGIN.bottom} stroke="#c62828" strokeWidth={2} data-testid="csv-drift-line" />
            <text x={Math.min(driftX + 4, width - 110)} y={MARGIN.top + 10} fontSize={11} fill="#c62828">
              B: after the drift
            </text>
          </>
        )}
        {problemRow !== null && problemRow >= rows[0] && problemRow <= rows[rows.length - 1] && (
          <g data-testid="csv-problem-marker">
            <line x1={x(problemRow)} x2={x(problemRow)} y1={MARGIN.top} y2={PLOT_HEIGHT - MARGIN.bottom} stroke="#b00020" strokeDasharray="3 3" />
            <text x={Math.min(x(problemRow) + 3, width - 60)} y={PLOT_HEIGHT - MARGIN.bottom - 4} fontSize={11} fill="#b00020">
              row {problemRow}
            </text>
          </g>
        )}
        {lines.map((l) => (
          <path key={l.name} d={path(l.z)} fill="none" stroke={l.color} strokeWidth={l.target ? 2 : 1.2} opacity={l.target ? 1 : 0.75} />
        ))}
        <line x1={MARGIN.left} x2={width - MARGIN.right} y1={PLOT_HEIGHT - MARGIN.bottom} y2={PLOT_HEIGHT - MARGIN.bottom} stroke="#d0d3d8" />
        {ticks.map((t) => (
          <text key={t} x={x(t)} y={PLOT_HEIGHT - 8} fontSize={10} textAnchor="middle" fill="#555b64">
            {dateAt(t) ?? `row ${t}`}
          </text>
        ))}
        {y.ticks(4).map((t) => (
          <text key={t} x={MARGIN.left - 6} y={y(t) + 3} fontSize={10} textAnchor="end" fill="#555b64">
            {t}σ
          </text>
        ))}
      </svg>
      <div className="mini-legend">
        {lines.map((l) => (
          <span key={l.name}>
            <span className="swatch" style={{ background: l.color }} /> {l.name}
            {l.target ? ' (target)' : ''}
          </span>
        ))}
        <span>each column z-scored over the file for the preview; the run z-scores on regime A only</span>
      </div>
    </div>
  );
}

/** A text or number field that commits on Enter or blur. */
function CommitField({
  id,
  label,
  value,
  onCommit,
  type = 'text',
  hint,
  testId,
}: {
  id: string;
  label: string;
  value: string;
  onCommit: (v: string) => void;
  type?: string;
  hint?: string;
  testId: string;
}) {
  const draft = useDraft(value, (text) => {
    if (text !== value) onCommit(text);
  });
  return (
    <Field id={id} label={label}>
      <input id={id} type={type} data-testid={testId} {...draft.inputProps} />
      {hint && <small>{hint}</small>}
    </Field>
  );
}

function ColumnTable({ preview, draft }: { preview: CsvPreview; draft: CsvChoice }) {
  const toggleInput = (name: string, on: boolean) => {
    const inputs = on ? preview.columns.map((c) => c.name).filter((c) => c === name || draft.inputs.includes(c)) : draft.inputs.filter((c) => c !== name);
    setCsvDraft({ inputs });
  };
  return (
    <table className="csv-columns" data-testid="csv-columns">
      <thead>
        <tr>
          <th scope="col">Column</th>
          <th scope="col">Kind</th>
          <th scope="col">Input</th>
          <th scope="col">Target</th>
        </tr>
      </thead>
      <tbody>
        {preview.columns.map((c) => (
          <tr key={c.name} data-column={c.name}>
            <th scope="row">{c.name}</th>
            <td>{c.date ? 'date' : c.numeric ? 'number' : 'text'}</td>
            <td>
              <input
                type="checkbox"
                aria-label={`${c.name} as an input`}
                disabled={!c.numeric}
                checked={draft.inputs.includes(c.name)}
                onChange={(e) => toggleInput(c.name, e.target.checked)}
                data-testid={`csv-input-${c.name}`}
              />
            </td>
            <td>
              <input
                type="radio"
                name="csv-target"
                aria-label={`${c.name} as the target`}
                disabled={!c.numeric}
                checked={draft.target === c.name}
                onChange={() => setCsvDraft({ target: c.name })}
                data-testid={`csv-target-${c.name}`}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CsvImportDialog() {
  const csv = useLab((s) => s.csv);
  const over = usePageDrop();
  const titleId = useId();
  const fileInput = useRef<HTMLInputElement>(null);
  const [driftAsDate, setDriftAsDate] = useState(true);
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (csv.open) dialog.current?.focus();
  }, [csv.open]);
  if (!csv.open)
    return over ? (
      <div className="csv-drop-overlay" data-testid="csv-drop-overlay">
        Drop your CSV or TSV file to use it in the lab
      </div>
    ) : null;
  const { preview, draft, problem } = csv;
  const asDate = driftAsDate && preview?.dates !== null && preview?.dates !== undefined;
  const onKey = (e: ReactKeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      closeCsvImport();
    }
  };
  return (
    <div className="csv-backdrop">
      <div
        ref={dialog}
        className={`csv-dialog${over ? ' csv-dialog-over' : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKey}
        data-testid="csv-dialog"
      >
        <h2 id={titleId}>Your own data</h2>
        <p className="csv-privacy" data-testid="csv-privacy">
          {CSV_PRIVACY_NOTE}
        </p>
        {csv.needsFile && (
          <p className="notice warn" data-testid="csv-needs-file">
            This link runs your own table, and a link cannot carry the file itself: drop the file here (or pick it) to run with the rest of the link as it is.
          </p>
        )}
        <div className="csv-pick">
          <input
            ref={fileInput}
            type="file"
            accept=".csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain"
            data-testid="csv-file-input"
            aria-label="Pick a CSV or TSV file"
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void loadCsvFile(f);
              e.target.value = '';
            }}
          />
          <span className="hint">or drop a file anywhere on the page. Comma, semicolon or tab; a header row naming the columns; up to 50 MB and 1 M rows.</span>
        </div>
        {csv.loading && <p data-testid="csv-loading">Reading {csv.fileName}…</p>}
        {problem && (
          <div
            className="notice error csv-problem"
            role="alert"
            data-testid="csv-problem"
            data-row={problem.row ?? ''}
            data-column={problem.column ?? ''}
            data-option={problem.option}
          >
            {/* the engine's message names the row and column itself */}
            {problem.message}
            {problem.fixes.length > 0 && (
              <div className="csv-fixes">
                {problem.fixes.map((fix) => (
                  <button key={fix} type="button" className="small-button" onClick={() => setCsvDraft({ missing: fix })} data-testid={`csv-fix-${fix}`}>
                    {MISSING_FIX_LABELS[fix]}
                  </button>
                ))}
              </div>
            )}
          </div>
        )}
        {preview && draft && (
          <>
            <p className="caption" data-testid="csv-summary">
              <strong>{preview.name}</strong>: {preview.rows.toLocaleString('en-US')} rows (rows {preview.firstRow}–{preview.lastRow}), {preview.columns.length}{' '}
              columns, {preview.delimiter === '\t' ? 'tab' : preview.delimiter === ';' ? 'semicolon' : 'comma'}-separated
              {preview.dateColumn ? `; dates in ${preview.dateColumn}` : ''}
            </p>
            <div className="csv-body">
              <ColumnTable preview={preview} draft={draft} />
              <div className="csv-settings">
                <CommitField
                  id="csv-horizon"
                  label="Horizon (rows ahead)"
                  type="number"
                  value={String(draft.horizon)}
                  testId="csv-horizon"
                  hint="0: the same row; the target is this many rows after the inputs"
                  onCommit={(v) => setCsvDraft({ horizon: v.trim() === '' ? NaN : Number(v) })}
                />
                <CommitField
                  id="csv-drift"
                  label="Drift at (first row of regime B)"
                  value={draft.driftAt}
                  testId="csv-drift"
                  hint={
                    preview.dates
                      ? `a row number, or a date of ${preview.dateColumn} (YYYY-MM-DD…); or click the plot`
                      : 'a row number (1 is the first data row); or click the plot'
                  }
                  onCommit={(v) => setCsvDraft({ driftAt: v })}
                />
                {preview.dates && (
                  <div className="field checkbox">
                    <input id="csv-drift-date" type="checkbox" checked={asDate} onChange={(e) => setDriftAsDate(e.target.checked)} />
                    <label htmlFor="csv-drift-date">A click on the plot picks a date of {preview.dateColumn}</label>
                  </div>
                )}
                <Field id="csv-missing" label="Missing cells">
                  <select
                    id="csv-missing"
                    value={draft.missing}
                    onChange={(e) => setCsvDraft({ missing: e.target.value as CsvChoice['missing'] })}
                    data-testid="csv-missing"
                  >
                    <option value="error">stop and say where</option>
                    <option value="drop">drop the row</option>
                    <option value="ffill">fill forward</option>
                  </select>
                </Field>
              </div>
            </div>
            <PreviewPlot preview={preview} draft={draft} driftAsDate={asDate} problemRow={problem?.row ?? null} />
            {csv.description && !problem && (
              <p className="caption" data-testid="csv-description">
                {csv.description}
              </p>
            )}
          </>
        )}
        <p className="hint" data-testid="csv-link-note">
          The link keeps your choice (columns, horizon, drift), not the file: whoever opens it is asked to drop the file in.
        </p>
        <div className="csv-actions">
          <button type="button" className="inline-button" onClick={runCsv} disabled={!csv.description || problem !== null} data-testid="csv-run">
            Run on this table
          </button>
          <button type="button" className="small-button" onClick={closeCsvImport} data-testid="csv-close">
            Close
          </button>
        </div>
      </div>
    </div>
  );
}

/**
 * Where a recorded task's data come from, its licence and preprocessing, in one line (the engine's
 * tasks/weather.ts and co2.ts say the same at length; the README has the table).
 */
const TASK_SOURCES: Partial<Record<string, string>> = {
  weather:
    'Data: NOAA hourly climate normals for Seattle, 1981–2010 (public domain; via vega-datasets). Temperature 6 h ahead from pressure, temperature and wind; pretrained on winter, drifts to summer; z-scored on winter only.',
  co2: 'Data: Mauna Loa monthly CO₂, Scripps CO2 Program (CC BY 4.0; via vega-datasets), differenced. Next month’s change; pretrained on 1964–89, drifts to 1990–2020; z-scored on 1964–89 only.',
  csv: 'Your file: z-scored on the rows before the drift only; it stays in this browser.',
};

export function TaskSource() {
  const task = useLab((s) => s.params.task);
  const text = TASK_SOURCES[task];
  return text ? (
    <p className="task-source" data-testid="task-source" data-task={task}>
      {text}
    </p>
  ) : null;
}
