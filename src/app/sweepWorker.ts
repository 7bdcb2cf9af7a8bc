/// <reference lib="webworker" />
/** Runs the recovery-vs-k sweep seed by seed and posts each seed's recoveries as it finishes. */
import { SeedRun } from '../engine/experiment';
import type { ExperimentConfig } from '../engine/config';

export type ToSweep = { type: 'run'; sweepId: number; configs: ExperimentConfig[] };
export type FromSweep =
  | { type: 'seed'; sweepId: number; configIndex: number; seedIndex: number; labels: string[]; recovery: number[] }
  | { type: 'done'; sweepId: number }
  | { type: 'error'; sweepId: number; message: string };

let current = -1;

self.onmessage = async (event: MessageEvent<ToSweep>) => {
  const { sweepId, configs } = event.data;
  current = sweepId;
  const post = (m: FromSweep) => (self as unknown as DedicatedWorkerGlobalScope).postMessage(m);
  try {
    // seed-major, so every configuration gets a first point early
    const seedCount = Math.max(...configs.map((c) => c.seeds.length));
    for (let s = 0; s < seedCount; s++) for (let ci = 0; ci < configs.length; ci++) {
      const config = configs[ci];
      if (s >= config.seeds.length) continue;
      const run = new SeedRun(config, config.seeds[s]);
      while (!run.done) {
        for (let i = 0; i < 25 && !run.done; i++) run.step();
        // let a newer sweep request in: a changed setting abandons this one
        await new Promise((r) => setTimeout(r, 0));
        if (current !== sweepId) return;
      }
      const r = run.result();
      post({ type: 'seed', sweepId, configIndex: ci, seedIndex: s, labels: r.arms.map((a) => a.label), recovery: r.arms.map((a) => (a.divergedAt >= 0 ? NaN : a.recovery)) });
    }
    post({ type: 'done', sweepId });
  } catch (e) {
    post({ type: 'error', sweepId, message: e instanceof Error ? e.message : String(e) });
  }
};
