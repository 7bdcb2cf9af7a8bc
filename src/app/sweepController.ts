/** Starts the recovery-vs-k sweep in its own worker and keeps its partial results in a small store. */
import { create } from 'zustand';
import { sweepConfig } from './sweep';
import type { FromSweep, ToSweep } from './sweepWorker';
import { useLab } from './store';

export interface SweepState {
  status: 'idle' | 'running' | 'done' | 'error';
  /** what the sweep ran, for the caption */
  label: string;
  ks: number[];
  /** recovery[seed][kIndex] for the seeds finished so far */
  recovery: number[][];
  seeds: number;
  steps: number;
  error: string | null;
}

export const useSweep = create<SweepState>(() => ({ status: 'idle', label: '', ks: [], recovery: [], seeds: 0, steps: 0, error: null }));

let worker: Worker | null = null;
let sweepId = 0;

export function startSweep(): void {
  const params = useLab.getState().params;
  const config = sweepConfig(params);
  if (!worker) {
    worker = new Worker(new URL('./sweepWorker.ts', import.meta.url), { type: 'module', name: 'sweep' });
    worker.onmessage = (e: MessageEvent<FromSweep>) => onMessage(e.data);
  }
  sweepId++;
  const ks = config.arms.flatMap((a) => (a.kind === 'sparse' ? [a.k] : []));
  useSweep.setState({
    status: 'running',
    label: `${params.task}, n = ${params.n}, ${params.strategy}, ${config.seeds.length} seeds × ${config.adaptSteps} steps`,
    ks,
    recovery: [],
    seeds: config.seeds.length,
    steps: config.adaptSteps,
    error: null,
  });
  const m: ToSweep = { type: 'run', sweepId, config };
  worker.postMessage(m);
}

function onMessage(m: FromSweep): void {
  if (m.sweepId !== sweepId) return;
  if (m.type === 'error') useSweep.setState({ status: 'error', error: m.message });
  else if (m.type === 'done') useSweep.setState({ status: 'done' });
  else {
    const ks = useSweep.getState().ks;
    const row = ks.map((k) => m.recovery[m.labels.indexOf(`k=${k}`)]);
    useSweep.setState((s) => ({ recovery: [...s.recovery, row] }));
  }
}
