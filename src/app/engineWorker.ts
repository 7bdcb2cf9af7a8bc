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
let lastMetricsStep = -Infinity;

/** Steps between metric samples: the spectra cost up to n⁴, so larger n samples less often. */
function metricsEvery(n: number): number {
  return n <= 32 ? 10 : n <= 64 ? 25 : n <= 128 ? 100 : 400;
}

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
      lastMetricsStep = -Infinity;
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
      const sample = run.step - lastMetricsStep >= metricsEvery(run.shape.n);
      if (sample) lastMetricsStep = run.step;
      const metrics = sample ? run.metrics() : null;
      const keptPaths = sample ? run.keptPaths() : null;
      post(
        {
          type: 'losses',
          runId,
          fromStep,
          losses,
          count: m.steps,
          arms: run.arms,
          recovery: run.recovery(),
          meanLoss: run.meanLoss(),
          adaptedSteps: run.adaptedSteps,
          divergedAt: run.divergedAt(),
          markers: run.markers,
          msPerStep: ms / m.steps,
          metrics,
          costs: run.costs(),
          keptPaths,
        },
        [...losses.map((l) => l.buffer), ...(keptPaths ? [keptPaths.W.buffer, keptPaths.sources.buffer] : [])],
      );
    } else if (m.type === 'setLr') {
      run.setLearningRate(m.lr);
    } else if (m.type === 'setSparse') {
      run.setSparse(m.k, m.strategy);
      lastMetricsStep = -Infinity; // show the new mask at once
    }
  } catch (e) {
    post({ type: 'error', runId, message: e instanceof Error ? e.message : String(e) });
  }
};
