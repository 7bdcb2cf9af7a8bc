/** Starts the recovery-vs-k sweep in its own worker and keeps its partial results in a small store. */
import { create } from 'zustand';
import { sweepConfig, sweepConfigsN } from './sweep';
import type { FromSweep, ToSweep } from './sweepWorker';
import { useLab } from './store';

export interface SweepState {
  /** over k at the current n, or over n at the current k */
  mode: 'k' | 'n';
  status: 'idle' | 'running' | 'done' | 'error';
  /** what the sweep ran, for the caption */
  label: string;
  /** the x values: k for mode k, n for mode n */
  ks: number[];
  /** recovery per x value, one entry per finished seed */
  recovery: number[][];
  seeds: number;
  /** runs (configuration × seed) finished, of `total` */
  done: number;
  total: number;
  steps: number;
  error: string | null;
}

export const useSweep = create<SweepState>(() => ({ mode: 'k', status: 'idle', label: '', ks: [], recovery: [], seeds: 0, done: 0, total: 0, steps: 0, error: null }));

let worker: Worker | null = null;
let sweepId = 0;

export function startSweep(mode: 'k' | 'n' = 'k'): void {
  const params = useLab.getState().params;
  const configs = mode === 'k' ? [sweepConfig(params)] : sweepConfigsN(params);
  const config = configs[0];
  if (!worker) {
    worker = new Worker(new URL('./sweepWorker.ts', import.meta.url), { type: 'module', name: 'sweep' });
    worker.onmessage = (e: MessageEvent<FromSweep>) => onMessage(e.data);
  }
  sweepId++;
  const ks = mode === 'k' ? config.arms.flatMap((a) => (a.kind === 'sparse' ? [a.k] : [])) : configs.map((c) => c.n);
  useSweep.setState({
    mode,
    status: 'running',
    label:
      mode === 'k'
        ? `${params.task}, n = ${params.n}, ${params.strategy}, ${config.seeds.length} seeds × ${config.adaptSteps} steps`
        : `${params.task}, k = ${params.k}, n in ${ks.join(', ')}, ${config.seeds.length} seeds`,
    ks,
    recovery: ks.map(() => []),
    seeds: config.seeds.length,
    done: 0,
    total: configs.reduce((a, c) => a + c.seeds.length, 0),
    steps: config.adaptSteps,
    error: null,
  });
  const m: ToSweep = { type: 'run', sweepId, configs };
  worker.postMessage(m);
}

function onMessage(m: FromSweep): void {
  if (m.sweepId !== sweepId) return;
  if (m.type === 'error') useSweep.setState({ status: 'error', error: m.message });
  else if (m.type === 'done') useSweep.setState({ status: 'done' });
  else {
    const { ks, mode } = useSweep.getState();
    useSweep.setState((s) => ({
      done: s.done + 1,
      recovery: s.recovery.map((values, i) => {
        if (mode === 'k') return [...values, m.recovery[m.labels.indexOf(`k=${ks[i]}`)]];
        return i === m.configIndex ? [...values, m.recovery[m.labels.findIndex((l) => l.startsWith('k='))]] : values;
      }),
    }));
  }
}
