/**
 * Wires the settings, the engine worker and the loss series together: starts a run when a restart setting
 * changes, forwards live changes (k, lr, strategy) without a reset, and paces the worker with one
 * `advance` per animation frame. The UI calls these functions and renders the store; it computes nothing.
 */
import {
  cacheKey,
  cachePath,
  CPU_FULL_RTRL_MAX_N,
  cpuFullRtrlSecondsPerStep,
  cpuPolicy,
  cpuSparseSecondsPerStep,
  decodePretrained,
  defaultLr,
  encodeHash,
  LEAD_IN_STEPS,
  LIVE_DEFAULTS,
  LIVE_KEYS,
  paramProblems,
  RESTART_KEYS,
  setMeasuredCpuRate,
  SLOW_STEP_WARN_S,
  withChange,
  isCsvFromWorker,
  type CsvFromWorker,
  type CsvToWorker,
  type FromWorker,
  type LabParams,
  type LiveRunOptions,
  type PretrainedState,
  type ToWorker,
} from '../contract';
import { onCsvMessage, withCsvSeries } from './csvController';
import { LossSeries, TraceSeries } from './lossSeries';
import { METRICS_HISTORY_CAP, useLab } from './store';

/** Target worker time per frame: more steps per frame than this would lag the display. */
const FRAME_BUDGET_MS = 40;

let worker: Worker | null = null;
let runId = 0;
let series: LossSeries | null = null;
let trace: TraceSeries | null = null;
let lastBatchAt = 0;
let stepsPerSecond = 0;
let awaiting = false;
let playing = true;
let stepRequests = 0;
let pausedByHidden = false;
const pageStart = performance.now();

const state0 = () => useLab.getState();

export function getSeries(): LossSeries | null {
  return series;
}

/** The task strip's data: the latest steps of input, target and each arm's output. */
export function getTrace(): TraceSeries | null {
  return trace;
}

/** The global step at which a run of these settings ends: the lead-in, then `adapt` adaptation steps. */
export function endStep(p: LabParams): number {
  return LEAD_IN_STEPS + p.adapt;
}

function send(m: ToWorker): void {
  worker?.postMessage(m);
}

/** A user's table to the engine worker (csvController.ts): by postMessage, never over the network. */
export function sendToEngine(m: CsvToWorker): void {
  ensureWorker().postMessage(m);
}

function ensureWorker(): Worker {
  if (worker) return worker;
  performance.mark('lab:worker-created');
  worker = new Worker(new URL('../worker/engineWorker.ts', import.meta.url), { type: 'module', name: 'engine' });
  worker.onmessage = (e: MessageEvent<FromWorker | CsvFromWorker>) => {
    if (isCsvFromWorker(e.data)) onCsvMessage(e.data);
    else onWorkerMessage(e.data);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    useLab.setState({ status: 'error', error: `the engine worker failed: ${e.message || 'unknown error'}` });
  };
  return worker;
}

/**
 * The LSTM's transport costs about 8× the RNN's at the same n: its sensitivities have four gates' worth of
 * parameters (p = 4n(n + m + 1)) and it carries two of them (through h and c).
 */
const LSTM_COST_FACTOR = 8;

/** The CPU notes for a model: the RNN's from its policy, the LSTM's at its own cost, none for the transformer (no n⁴ work). */
function modelNotes(p: LabParams, includeFull: boolean, rnnNotes: string[]): string[] {
  if (p.model === 'rnn') return rnnNotes;
  if (p.model === 'transformer') return [];
  const full = cpuFullRtrlSecondsPerStep(p.n) * LSTM_COST_FACTOR;
  const notes: string[] = [];
  if (!includeFull) {
    notes.push(
      `Full RTRL is off on the CPU above n = ${CPU_FULL_RTRL_MAX_N}: at n = ${p.n} one LSTM step would take about ${full.toFixed(1)} s (8 n⁴ multiply-adds: four gates, two sensitivities). Recovery needs it as its reference, so it shows —.`,
    );
  }
  const seconds = (includeFull ? full : 0) + (includeFull && p.k === p.n ? 0 : cpuSparseSecondsPerStep(p.n, p.k) * LSTM_COST_FACTOR);
  if (seconds > SLOW_STEP_WARN_S)
    notes.push(
      `At n = ${p.n}${p.k > 0 ? `, k = ${p.k}` : ''} one step of all the LSTM’s arms takes about ${seconds.toFixed(1)} s on the CPU: the curves move slowly.`,
    );
  return notes;
}

function runOptions(p: LabParams): { options: LiveRunOptions; notes: string[] } {
  const policy = cpuPolicy(p.n, p.k);
  return { options: { ...LIVE_DEFAULTS, includeFull: policy.includeFull }, notes: modelNotes(p, policy.includeFull, policy.notes) };
}

/** Starts (or restarts) a run with the current settings. */
export function restart(): void {
  const { params } = useLab.getState();
  ensureWorker();
  runId++;
  awaiting = false;
  series = null;
  trace = null;
  lastBatchAt = 0;
  const { options, notes } = runOptions(params);
  useLab.setState({
    status: 'pretraining',
    error: null,
    cpuNotes: notes,
    arms: [],
    adaptedSteps: 0,
    markers: [],
    step: 0,
    seriesVersion: 0,
    metrics: null,
    metricsHistory: [],
    keptPaths: null,
    heads: null,
    kernelTimings: null,
  });
  if (params.task === 'csv') {
    // the user's table: its series prepared by the engine worker from the file (csvController.ts)
    const id = runId;
    const problem =
      params.model === 'transformer'
        ? 'The transformer takes no table: choose the RNN or the LSTM (Experiment → Model) to run your own data.'
        : withCsvSeries(params, (csv) => {
            if (id === runId) send({ type: 'start', runId, params, options: { ...options, csv } });
          });
    if (problem) useLab.setState({ status: 'error', error: problem });
    return;
  }
  // shipped pretrained weights for these settings (the default link): fetched while the worker loads
  const path = cachePath(params, options.pretrainSteps, options.pretrainEpochs);
  if (path === null) {
    send({ type: 'start', runId, params, options });
    return;
  }
  const id = runId;
  void fetchPretrained(path, cacheKey(params, options.pretrainSteps, options.pretrainEpochs)).then((pretrained) => {
    if (id === runId) send({ type: 'start', runId, params, options: pretrained ? { ...options, pretrained } : options });
  });
}

function onWorkerMessage(m: FromWorker): void {
  if (m.type === 'ready') {
    useLab.setState({ backendHint: m.backendHint });
    return;
  }
  if (m.runId !== runId) return;
  if (m.type === 'error') {
    awaiting = false;
    useLab.setState({ status: 'error', error: m.message });
    return;
  }
  if (m.type === 'started') {
    // also after a mid-run fall-back to the CPU: the run starts over, so the curves do too
    const at = (abs: number | undefined) => (abs === undefined ? null : abs - performance.timeOrigin);
    performance.mark('lab:started', {
      detail: { workerEvaluated: at(m.timing?.evaluatedAt), startHandled: at(m.timing?.startAt), gpuCheckMs: m.timing?.gpuCheckMs, buildMs: m.timing?.buildMs },
    });
    series = new LossSeries(m.arms.length);
    trace = new TraceSeries(m.arms.length);
    awaiting = false;
    useLab.setState({
      status: playing ? 'running' : 'paused',
      arms: m.arms,
      pretrainMs: m.pretrainMs,
      pretrainedShipped: m.pretrainedShipped ?? false,
      engine: m.engine,
      engineNote: m.fallbackReason ?? null,
      cpuKernel: m.cpuKernel ?? null,
      gpuInfo: m.gpu ?? null,
      kernelTimings: null,
      step: 0,
      seriesVersion: useLab.getState().seriesVersion + 1,
    });
    // the first steps at once, not at the next animation frame: the first point comes one frame sooner
    tick();
    return;
  }
  awaiting = false;
  // observed steps per wall-clock second (frames, worker and transfer together), for time-left estimates
  const now = performance.now();
  if (lastBatchAt > 0 && now > lastBatchAt) {
    const rate = (m.count * 1000) / (now - lastBatchAt);
    stepsPerSecond = stepsPerSecond > 0 ? stepsPerSecond + 0.1 * (rate - stepsPerSecond) : rate;
  }
  lastBatchAt = now;
  series?.append(m.losses, m.count, m.scored);
  // the CPU's measured rate makes the jobs' time estimates this machine's (steps of n ≥ 32 only)
  // (RTRL runs only: the transformer's steps say nothing about the transport's rate)
  if (state0().engine === 'CPU' && m.msPerStep > 0 && state0().params.n >= 32 && state0().params.model !== 'transformer') {
    // a duplicate arm (k = 0 or k = n) is not stepped: its cost is not in the time
    setMeasuredCpuRate(m.arms.reduce((a, arm) => a + (arm.sameAs ? 0 : arm.cost.macs), 0) / (m.msPerStep / 1000));
  }
  if (m.trace) trace?.append(m.trace, m.count);
  const state = useLab.getState();
  const step = m.fromStep + m.count;
  // the run ends after its adaptation steps, with a summary (the page keeps the curves)
  const ended = step >= endStep(state.params);
  if (ended) playing = false;
  useLab.setState({
    ...(ended ? { status: 'done' as const } : {}),
    arms: m.arms,
    adaptedSteps: m.adaptedSteps,
    markers: [...m.markers],
    step,
    msPerStep: m.msPerStep,
    stepsPerSecond,
    seriesVersion: state.seriesVersion + 1,
    // a rebuilt batch (k change, new segment) has no timings until its first chunk lands: keep the last
    ...(m.kernelTimings ? { kernelTimings: m.kernelTimings } : {}),
    ...(m.gpu && m.gpu.sparseTransport !== state.gpuInfo?.sparseTransport ? { gpuInfo: m.gpu } : {}),
    ...(m.keptPaths ? { keptPaths: m.keptPaths } : {}),
    ...(m.heads ? { heads: m.heads } : {}),
    ...(m.metrics ? { metrics: m.metrics, metricsHistory: [...state.metricsHistory.slice(-(METRICS_HISTORY_CAP - 1)), m.metrics] } : {}),
  });
}

const pretrainedFiles = new Map<string, Promise<PretrainedState | null>>();

/** A shipped pretrained state, or null (no file, offline, malformed: the worker pretrains). Fetched once. */
function fetchPretrained(path: string, key: string): Promise<PretrainedState | null> {
  let p = pretrainedFiles.get(path);
  if (!p) {
    // under the build's base (a subpath such as /REPO/ on a static host), not the site root
    p = fetch(new URL(import.meta.env.BASE_URL + path, document.baseURI))
      .then((r) => (r.ok ? r.json() : null))
      .then((json) => decodePretrained(key, json))
      .catch(() => null);
    pretrainedFiles.set(path, p);
  }
  return p;
}

/** Called once per animation frame by the app shell. */
export function tick(): void {
  const state = useLab.getState();
  if (awaiting || series === null || state.status === 'error' || state.status === 'pretraining' || state.status === 'done') return;
  let steps = 0;
  if (playing) {
    // As many steps as asked, but no more than fit the frame budget at the measured speed.
    const affordable = state.msPerStep > 0 ? Math.max(1, Math.floor(FRAME_BUDGET_MS / state.msPerStep)) : 1;
    steps = Math.min(state.params.speed, affordable);
  } else if (stepRequests > 0) {
    steps = 1;
    stepRequests--;
  }
  // never past the end of the run
  steps = Math.min(steps, endStep(state.params) - state.step);
  if (steps <= 0) return;
  awaiting = true;
  send({ type: 'advance', runId, steps });
}

export function play(): void {
  playing = true;
  pausedByHidden = false;
  const status = useLab.getState().status;
  // a finished run plays again from the start
  if (status === 'done') restart();
  else if (status === 'paused') useLab.setState({ status: 'running' });
}

export function pause(): void {
  playing = false;
  lastBatchAt = 0;
  if (useLab.getState().status === 'running') useLab.setState({ status: 'paused' });
}

export function togglePlay(): void {
  if (playing && useLab.getState().status !== 'done') pause();
  else play();
}

/** One step while paused. */
export function stepOnce(): void {
  pause();
  stepRequests++;
}

/** Tab hidden: pause; visible again: resume if it was the hiding that paused. */
export function onVisibility(hidden: boolean): void {
  if (hidden && playing) {
    pause();
    pausedByHidden = true;
  } else if (!hidden && pausedByHidden) {
    play();
  }
}

/** Changes one setting: restarts for structural ones, changes the run in place for k, lr, strategy. */
export function setParam<K extends keyof LabParams>(key: K, value: LabParams[K]): string[] {
  const state = useLab.getState();
  const next = withChange(state.params, key, value);
  const problems = paramProblems(next);
  if (problems.length > 0) return problems;
  // a hand-made change leaves the claim preset: its reading would no longer be that claim's
  useLab.setState({ params: next, claim: null });
  writeHash(next);
  if (RESTART_KEYS.includes(key) || key === 'n') {
    restart();
  } else if (LIVE_KEYS.includes(key)) {
    if (key === 'lr') send({ type: 'setLr', runId, lr: next.lr });
    else {
      send({ type: 'setSparse', runId, k: next.k, strategy: next.strategy, ...(key === 'headFraction' ? { headFraction: next.headFraction } : {}) });
      useLab.setState({ cpuNotes: runOptions(next).notes });
    }
  } else if (key === 'adapt' && state.status === 'done' && state.step < endStep(next)) {
    // a longer run: carry on from where it ended
    playing = true;
    useLab.setState({ status: 'running' });
  }
  return [];
}

export function writeHash(p: LabParams): void {
  const { presenter, claim } = useLab.getState();
  const hash = encodeHash(p, { present: presenter, claim });
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

/** For the test harness and the status line: when the first point was drawn. */
export function markFirstCurve(): void {
  if (useLab.getState().firstCurveMs === null) {
    performance.mark('lab:first-point');
    useLab.setState({ firstCurveMs: performance.now() - pageStart });
  }
}

/** Applies a claim preset: its settings in one go (one restart), and the claim shown in the link. */
export function applyPreset(claim: string, settings: Partial<LabParams>): void {
  const state = useLab.getState();
  const next: LabParams = { ...state.params, ...settings };
  // a preset without its own rate runs at the default rate of its task, model and optimizer
  if (settings.lr === undefined) next.lr = defaultLr(next);
  if (next.k > next.n) next.k = next.n;
  if (paramProblems(next).length > 0) return;
  useLab.setState({ params: next, claim });
  writeHash(next);
  // a claim clicked while paused (or after a run ended) runs: the verdict needs steps
  playing = true;
  pausedByHidden = false;
  restart();
}

/** Leaves the claim on show (its reading stops being a verdict); the run goes on. */
export function clearClaim(): void {
  useLab.setState({ claim: null });
  writeHash(useLab.getState().params);
}

/** Presenter mode on or off, kept in the link. */
export function setPresenter(on: boolean): void {
  useLab.setState({ presenter: on });
  writeHash(useLab.getState().params);
}
