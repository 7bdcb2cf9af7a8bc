/// <reference lib="webworker" />
/**
 * The engine's thread: it owns the LiveRun and does every step, so the page only renders. The page asks
 * for `advance` once per animation frame and only after the previous answer arrived, which paces the
 * worker to the display and stops it when the tab is hidden.
 */
import { LiveRun } from './liveRun';
import type { FromWorker, ToWorker } from './workerProtocol';

let run: LiveRun | null = null;
let runId = -1;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  (self as unknown as DedicatedWorkerGlobalScope).postMessage(message, transfer);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const m = event.data;
  try {
    if (m.type === 'start') {
      runId = m.runId;
      const t0 = performance.now();
      run = new LiveRun({ ...m.params }, m.options);
      post({ type: 'started', runId, arms: run.arms, pretrainLoss: run.pretrainLoss, pretrainMs: performance.now() - t0, engine: 'CPU' });
      return;
    }
    if (m.runId !== runId || run === null) return; // a message for a run that has been replaced
    if (m.type === 'advance') {
      const losses = run.arms.map(() => new Float32Array(m.steps));
      const fromStep = run.step;
      const t0 = performance.now();
      run.advance(m.steps, losses);
      const ms = performance.now() - t0;
      post(
        {
          type: 'losses',
          runId,
          fromStep,
          losses,
          count: m.steps,
          arms: run.arms,
          recovery: run.recovery(),
          divergedAt: run.divergedAt(),
          markers: run.markers,
          msPerStep: ms / m.steps,
        },
        losses.map((l) => l.buffer),
      );
    } else if (m.type === 'setLr') {
      run.setLearningRate(m.lr);
    } else if (m.type === 'setSparse') {
      run.setSparse(m.k, m.strategy);
    }
  } catch (e) {
    post({ type: 'error', runId, message: e instanceof Error ? e.message : String(e) });
  }
};
