/**
 * The settings, each labelled and keyboard-reachable. Structural settings (task, n, seed, …) restart the
 * run; k, learning rate and strategy change it in place and leave a marker on the curves. Number fields
 * commit on Enter or when they lose focus and refuse values outside the engine's bounds, with a message.
 */
import { useEffect, useState } from 'react';
import { pause, play, restart, setParam, stepOnce } from '../app/controller';
import { CHOICES, PARAM_BOUNDS, type LabParams } from '../app/labParams';
import { useLab } from '../app/store';
import { STRATEGY_DESCRIPTIONS } from '../engine/transportMask';

const TASK_LABELS: Record<string, string> = {
  sine: 'Sine drift',
  lorenz: 'Lorenz (ρ 28 → 35)',
  neural: 'Neural decoding drift',
  adding: 'Adding task (error at the end only)',
};

type NumberKey = 'n' | 'k' | 'lr' | 'leak' | 'seed' | 'refresh' | 'speed';

function NumberField({ name, label, hint, step }: { name: NumberKey; label: string; hint: string; step?: string }) {
  const value = useLab((s) => s.params[name]);
  const n = useLab((s) => s.params.n);
  const [text, setText] = useState(String(value));
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setText(String(value)), [value]);
  const bound = name === 'k' ? { min: 0, max: n } : PARAM_BOUNDS[name];
  const commit = () => {
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
    if (problems.length) setText(String(value));
  };
  const id = `field-${name}`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        type="number"
        inputMode="decimal"
        min={bound.min}
        max={bound.max}
        step={step ?? '1'}
        value={text}
        aria-describedby={`${id}-hint`}
        aria-invalid={problem !== null}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      <small id={`${id}-hint`} className={problem ? 'problem' : undefined}>
        {problem ?? hint}
      </small>
    </div>
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
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} name={name} value={value} onChange={(e) => setParam(name, e.target.value as LabParams[K])}>
        {(CHOICES[name] as readonly string[]).map((c) => (
          <option key={c} value={c}>
            {labels?.[c] ?? c}
          </option>
        ))}
      </select>
      {hint && <small>{hint}</small>}
    </div>
  );
}

export function Controls() {
  const status = useLab((s) => s.status);
  const rescale = useLab((s) => s.params.rescale);
  const strategy = useLab((s) => s.params.strategy);
  const running = status === 'running';
  return (
    <form className="controls" aria-label="settings" onSubmit={(e) => e.preventDefault()}>
      <div className="transport" role="group" aria-label="run">
        <button type="button" onClick={() => (running ? pause() : play())} aria-keyshortcuts="Space" data-testid="play-pause">
          {running ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={stepOnce} aria-keyshortcuts="ArrowRight">
          Step
        </button>
        <button type="button" onClick={restart} aria-keyshortcuts="R">
          Reset
        </button>
      </div>
      <fieldset>
        <legend>Experiment (restarts the run)</legend>
        <SelectField name="task" label="Task" labels={TASK_LABELS} />
        <SelectField name="model" label="Model" labels={{ rnn: 'RNN (tanh, leaky)', lstm: 'LSTM' }} />
        <NumberField name="n" label="Hidden units n" hint={`${PARAM_BOUNDS.n.min}–${PARAM_BOUNDS.n.max}`} />
        <NumberField name="leak" label="Leak α" hint="0.01–1; 1 is the plain tanh RNN" step="0.05" />
        <NumberField name="seed" label="Seed" hint="one seed determines weights, data and paths" />
        <SelectField name="optimizer" label="Optimizer" />
        <NumberField name="refresh" label="Redraw paths every R steps" hint="0 keeps the selection fixed" />
        <div className="field checkbox">
          <input id="field-rescale" type="checkbox" checked={rescale} onChange={(e) => setParam('rescale', e.target.checked)} />
          <label htmlFor="field-rescale">Rescale kept transport by n/k</label>
        </div>
        <SelectField name="backend" label="Backend" labels={{ auto: 'auto', gpu: 'GPU (WebGPU)', cpu: 'CPU' }} hint="auto: WebGPU on a hardware adapter, the CPU on a software one (SwiftShader) or without WebGPU; GPU: WebGPU whenever it works (RNN only), else the CPU with the reason" />
      </fieldset>
      <fieldset>
        <legend>Live (marks the curves)</legend>
        <NumberField name="k" label="Kept paths per unit k" hint="0 … n; k = n is full RTRL" />
        <SelectField name="strategy" label="Path selection" hint={STRATEGY_DESCRIPTIONS[strategy]} />
        <NumberField name="lr" label="Learning rate" hint="1e-6 – 1" step="any" />
        <NumberField name="speed" label="Steps per frame" hint="1–500 (capped to keep frames smooth)" />
      </fieldset>
    </form>
  );
}
