/**
 * The settings, each labelled and keyboard-reachable. The teaching loop (play, step, reset, k, strategy,
 * learning rate) is always in view; the structural settings that restart the run sit in the folded
 * "Experiment" drawer. k, lr and strategy change the run in place and leave a marker on the curves.
 * Number fields commit on Enter or when they lose focus and refuse values outside the engine's bounds,
 * with a message.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { play, pause, restart, setParam, stepOnce } from '../app/page/controller';
import {
  BASELINE_ARMS,
  CHOICES,
  defaultLr,
  MAX_BASELINES,
  MAX_LIVE_ARMS,
  orderBaselines,
  PARAM_BOUNDS,
  STRATEGY_DESCRIPTIONS,
  sweepKs,
  type LabParams,
} from '../app/contract';
import { useLab } from '../app/page/store';
import { CsvImportButton, TaskSource } from './CsvImport';
import { Field, useDraft } from './Field';

const TASK_LABELS: Record<string, string> = {
  sine: 'Sine drift',
  lorenz: 'Lorenz (ρ 28 → 35)',
  neural: 'Neural decoding drift',
  adding: 'Standard adding problem (error at the end only, no drift)',
  'adding-difference': 'Adding problem, drift variant (sum → difference)',
  delay: 'Delayed recall (τ changes)',
  weather: 'Weather, recorded (Seattle; winter → summer)',
  co2: 'CO₂, recorded (Mauna Loa; 1964–89 → 1990–2020)',
  csv: 'Your own data (CSV/TSV file)',
};

type NumberKey = 'n' | 'k' | 'lr' | 'leak' | 'seed' | 'refresh' | 'speed' | 'adapt' | 'delayA' | 'delayB' | 'length' | 'truncation';

function NumberField({ name, label, hint, step }: { name: NumberKey; label: string; hint: ReactNode; step?: string }) {
  const value = useLab((s) => s.params[name]);
  const n = useLab((s) => s.params.n);
  const [problem, setProblem] = useState<string | null>(null);
  const bound = name === 'k' ? { min: 0, max: n } : PARAM_BOUNDS[name];
  const commit = (text: string) => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v)) {
      setProblem(`${label} must be a number`);
      return;
    }
    if (v === value) {
      setProblem(null);
      return;
    }
    const problems = setParam(name, v);
    setProblem(problems.length ? problems.join('; ') : null);
    if (problems.length) draft.setText(String(value));
  };
  const draft = useDraft(String(value), commit);
  const id = `field-${name}`;
  return (
    <Field id={id} label={label}>
      <input
        id={id}
        name={name}
        type="number"
        inputMode="decimal"
        min={bound.min}
        max={bound.max}
        step={step ?? '1'}
        aria-describedby={`${id}-hint`}
        aria-invalid={problem !== null}
        {...draft.inputProps}
      />
      <small id={`${id}-hint`} className={problem ? 'problem' : undefined}>
        {problem ?? hint}
      </small>
    </Field>
  );
}

function SelectField<K extends 'task' | 'strategy' | 'optimizer' | 'backend' | 'model'>({
  name,
  label,
  labels,
  hint,
}: {
  name: K;
  label: string;
  labels?: Record<string, string>;
  hint?: string;
}) {
  const value = useLab((s) => s.params[name]) as string;
  const id = `field-${name}`;
  return (
    <Field id={id} label={label}>
      <select id={id} name={name} value={value} onChange={(e) => setParam(name, e.target.value as LabParams[K])}>
        {(CHOICES[name] as readonly string[]).map((c) => (
          <option key={c} value={c}>
            {labels?.[c] ?? c}
          </option>
        ))}
      </select>
      {hint && <small>{hint}</small>}
    </Field>
  );
}

/** Play/pause (or run again once the run ended), step, reset. */
export function Transport({ compact = false }: { compact?: boolean }) {
  const status = useLab((s) => s.status);
  const running = status === 'running' || status === 'pretraining' || status === 'starting';
  return (
    <div className="transport" role="group" aria-label="run">
      <button type="button" onClick={() => (running ? pause() : play())} aria-keyshortcuts="Space" data-testid="play-pause">
        {status === 'done' ? 'Run again' : running ? 'Pause' : 'Play'}
      </button>
      {!compact && (
        <button type="button" onClick={stepOnce} aria-keyshortcuts="ArrowRight" data-testid="step">
          Step
        </button>
      )}
      <button type="button" onClick={restart} aria-keyshortcuts="R" data-testid="reset">
        Reset
      </button>
    </div>
  );
}

/** After the slider stops moving this long (keys, or a touch of it), its k is applied: one marker per gesture, not one per stop passed. */
const SLIDER_SETTLE_MS = 350;
/** While a pointer holds the thumb the release applies k; this long without a move applies it anyway (a release the page missed). */
const SLIDER_HELD_MS = 3000;

/**
 * k on a slider over 0, 1, 2, 4, …, n: the values where something happens. The label follows the thumb at
 * once; the run changes when the gesture ends (release, key up, or a pause in the dragging).
 */
export function KSlider() {
  const k = useLab((s) => s.params.k);
  const n = useLab((s) => s.params.n);
  const ks = sweepKs(n);
  const [moving, setMoving] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const held = useRef(false);
  const commit = (value: number | null) => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    held.current = false;
    if (value !== null && value !== useLab.getState().params.k) setParam('k', value);
    setMoving(null);
  };
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const shownK = moving ?? k;
  // a k typed in that is not a stop sits at the nearest stop below it
  const index = Math.max(
    0,
    ks.findLastIndex((v) => v <= shownK),
  );
  return (
    <div className="field k-slider">
      <label htmlFor="field-k-slider">
        k = <strong data-testid="k-value">{shownK}</strong> of n = {n} paths per unit
        {shownK === 0 ? ' (immediate term only)' : shownK === n ? ' (all: full RTRL)' : ''}
      </label>
      <input
        id="field-k-slider"
        type="range"
        min={0}
        max={ks.length - 1}
        step={1}
        value={index}
        aria-valuetext={`k = ${shownK}`}
        onChange={(e) => {
          const value = ks[Number(e.target.value)];
          setMoving(value);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => commit(value), held.current ? SLIDER_HELD_MS : SLIDER_SETTLE_MS);
        }}
        onPointerDown={() => {
          held.current = true;
        }}
        onPointerUp={() => commit(moving)}
        onKeyUp={() => commit(moving)}
        onBlur={() => commit(moving)}
        data-testid="k-slider"
      />
      <div className="k-ticks" aria-hidden="true">
        {ks.map((v) => (
          <span key={v}>{v}</span>
        ))}
      </div>
    </div>
  );
}

/** The transformer's sparse knob: ρ, the fraction of heads per layer whose outputs carry gradient (live, marks the curves). */
export function HeadFractionControl() {
  const rho = useLab((s) => s.params.headFraction);
  // the live run's default model (transformerLiveRun.ts): H = 4 heads per layer
  const H = 4;
  const kept = Math.round(rho * H);
  return (
    <div className="field" role="group" aria-labelledby="head-fraction-label" data-testid="head-fraction">
      <span id="head-fraction-label">
        Head fraction ρ = <strong data-testid="head-fraction-value">{rho}</strong>: {kept} of {H} heads per layer carry gradient
        {kept === H ? ' (dense)' : kept === 0 ? ' (none: the MLP, readout and embedding still learn)' : ''}
      </span>
      <div style={{ display: 'flex', gap: '0.3rem', flexWrap: 'wrap', marginTop: '0.25rem' }}>
        {CHOICES.headFraction.map((v) => (
          <button
            key={v}
            type="button"
            className="small-button"
            aria-pressed={v === rho}
            onClick={() => setParam('headFraction', v)}
            data-testid={`head-fraction-${v}`}
            style={v === rho ? { fontWeight: 700, outline: '2px solid currentColor' } : undefined}
          >
            {v}
          </button>
        ))}
      </div>
      <small>live: the ρ arm carries on from its weights with the new heads; a marker records when</small>
    </div>
  );
}

function LrHint() {
  const p = useLab((s) => s.params);
  const d = defaultLr(p);
  return (
    <>
      {p.lr === d ? `default for ${p.task}, ${p.optimizer}` : `default ${d}`}
      {p.lr !== d && (
        <>
          {' '}
          <button type="button" className="link-button" onClick={() => setParam('lr', d)}>
            use it
          </button>
        </>
      )}
    </>
  );
}

/** The task's own parameters: the delay task's τ before → after the drift, the adding problems' length. */
function TaskOptionFields() {
  const task = useLab((s) => s.params.task);
  const b = PARAM_BOUNDS.delayA;
  if (task === 'delay') {
    return (
      <fieldset className="task-options" data-testid="delay-fields">
        <legend>Delay τ before → after the drift</legend>
        <div className="field-pair">
          <NumberField name="delayA" label="τ before (regime A)" hint={`${b.min}–${b.max} steps`} />
          <NumberField name="delayB" label="τ after (regime B)" hint={`${b.min}–${b.max} steps`} />
        </div>
      </fieldset>
    );
  }
  if (task === 'adding' || task === 'adding-difference') {
    const l = PARAM_BOUNDS.length;
    return <NumberField name="length" label="Sequence length T" hint={`${l.min}–${l.max} steps; the error arrives at the last`} />;
  }
  return null;
}

/**
 * Other online methods beside the sparse arms (the RNN and the LSTM): each checked one joins the run as an
 * arm from the same drift, so adding one restarts the run. At most MAX_BASELINES, so every arm on the chart
 * keeps a colour and a dash of its own.
 */
function BaselineFields() {
  const baselines = useLab((s) => s.params.baselines);
  const full = baselines.length >= MAX_BASELINES;
  const toggle = (id: LabParams['baselines'][number], on: boolean) =>
    setParam('baselines', orderBaselines(on ? [...baselines, id] : baselines.filter((b) => b !== id)));
  const t = PARAM_BOUNDS.truncation;
  return (
    <fieldset className="baselines" data-testid="baseline-fields">
      <legend>Compare with other online methods</legend>
      {BASELINE_ARMS.map((b) => {
        const checked = baselines.includes(b.id);
        return (
          <div className="field checkbox" key={b.id}>
            <input
              id={`field-baseline-${b.id}`}
              type="checkbox"
              checked={checked}
              disabled={!checked && full}
              onChange={(e) => toggle(b.id, e.target.checked)}
              data-testid={`baseline-${b.id}`}
              aria-describedby={`field-baseline-${b.id}-hint`}
            />
            <label htmlFor={`field-baseline-${b.id}`}>{b.name}</label>
            <small id={`field-baseline-${b.id}-hint`}>{b.describe}</small>
          </div>
        );
      })}
      {baselines.includes('tbptt') && (
        <NumberField name="truncation" label="TBPTT window τ" hint={`${t.min}–${t.max} steps back; each step costs about τ forward-size passes`} />
      )}
      <small data-testid="baseline-note">
        {full
          ? `At most ${MAX_BASELINES} at a time: ${MAX_LIVE_ARMS} arms on the chart, each its own colour and dash.`
          : 'Each joins the run from the drift on, on the same stream; adding one restarts the run.'}
      </small>
    </fieldset>
  );
}

export function Controls() {
  const rescale = useLab((s) => s.params.rescale);
  const strategy = useLab((s) => s.params.strategy);
  const transformer = useLab((s) => s.params.model === 'transformer');
  // the methods' registry's word on what runs on the GPU, from the engine worker
  const backendHint = useLab((s) => s.backendHint);
  return (
    <form className="controls" aria-label="settings" onSubmit={(e) => e.preventDefault()}>
      <Transport />
      <fieldset>
        <legend>Live (marks the curves)</legend>
        {transformer ? (
          <>
            <HeadFractionControl />
            <p className="hint" data-testid="transformer-note" style={{ fontSize: '0.8rem', margin: '0.2rem 0' }}>
              The transformer (d = 32, 4 heads, 1 layer, window 32) has no k, path selection, n, leak or rescale: its sparse knob is the head fraction, with
              random heads held fixed. Dense (ρ = 1) is the reference for recovery.
            </p>
          </>
        ) : (
          <>
            <KSlider />
            <NumberField name="k" label="Kept paths per unit k" hint="0 … n; k = n is full RTRL" />
            <SelectField name="strategy" label="Path selection" hint={STRATEGY_DESCRIPTIONS[strategy]} />
          </>
        )}
        <NumberField name="lr" label="Learning rate" hint={<LrHint />} step="any" />
        <NumberField name="speed" label="Steps per frame" hint="1–500 (capped to keep frames smooth)" />
      </fieldset>
      <details className="drawer" data-testid="experiment-drawer">
        <summary>Experiment (restarts the run)</summary>
        <SelectField name="task" label="Task" labels={TASK_LABELS} />
        <TaskSource />
        <CsvImportButton />
        <TaskOptionFields />
        <SelectField name="model" label="Model" labels={{ rnn: 'RNN (tanh, leaky)', lstm: 'LSTM', transformer: 'Transformer (head-sparse, CPU only)' }} />
        {!transformer && <NumberField name="n" label="Hidden units n" hint={`${PARAM_BOUNDS.n.min}–${PARAM_BOUNDS.n.max}`} />}
        <SelectField name="optimizer" label="Optimizer" hint="the learning rate follows it unless you set one" />
        <NumberField name="adapt" label="Adaptation steps" hint="the run ends after these, with a summary" />
        {!transformer && <NumberField name="leak" label="Leak α" hint="0.01–1; 1 is the plain tanh RNN" step="0.05" />}
        <NumberField name="seed" label="Seed" hint="one seed determines weights, data and paths" />
        <NumberField name="refresh" label={transformer ? 'Redraw heads every R updates' : 'Redraw paths every R steps'} hint="0 keeps the selection fixed" />
        {!transformer && <BaselineFields />}
        {!transformer && (
          <div className="field checkbox">
            <input id="field-rescale" type="checkbox" checked={rescale} onChange={(e) => setParam('rescale', e.target.checked)} />
            <label htmlFor="field-rescale">Rescale kept transport by n/k</label>
          </div>
        )}
        <SelectField name="backend" label="Backend" labels={{ auto: 'auto', gpu: 'GPU (WebGPU)', cpu: 'CPU' }} hint={backendHint || undefined} />
      </details>
    </form>
  );
}
