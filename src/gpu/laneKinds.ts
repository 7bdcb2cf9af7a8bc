/**
 * What a method contributes to the GPU engine, one lane-kind record per method kind: the models it runs
 * on, the range its lanes join (the batch orders lanes by range, layout.ts LANE_RANGES), its lane
 * record's named fields, its slices of the extra buffers (sources, window, factors, noise), what the
 * snapshot carries of it, its bytes for the memory planner and the arms the start-up check runs.
 * `models` must be the method record's `gpu` field (tests/gpu/gpuMethods.test.ts checks every model).
 */
import type { LearningMethod, MethodKind } from '../engine/methods';
import type { ModelKind } from '../engine/models';
import { allPaths } from '../engine/transportMask';
import { GpuError } from './errors';
import { kfRecord, laneFloats, uoroRecord, WG, type BatchLayout, type LaneRange } from './layout';
import type { TransportChoice } from './sparseVariant';

/** The buffers a lane may hold a slice of, beside the per-lane records every lane has. */
export type ExtraBuffer = 'sources' | 'window' | 'factors' | 'noise';

/** How one lane runs in a batch. */
export interface LanePlan {
  range: LaneRange;
  /** its lane-record fields (layout.ts LANE_FIELDS) besides the stream and the buffer offsets, which the batch sets */
  k?: number;
  scale?: number;
  tau?: number;
  /** its initial selection, n·k source indices (its slice of `sources`) */
  sources?: Int32Array;
  /** floats of its slice of `window` and `factors`, and of `noise` per step (signs drawn from its noise stream) */
  window?: number;
  factors?: number;
  draws?: number;
}

/** What a lane kind reads of a lane's spec (batch.ts LaneSpec). */
export interface LaneInput {
  sources?: Int32Array;
  /** only its presence is checked here; the batch draws from it */
  noiseRng?: object;
}

/** Per-lane floats of a model's layout (layout.ts laneFloats), what the planner sizes each lane kind from. */
export type LaneSizes = ReturnType<typeof laneFloats>;

export interface LaneKind<M extends LearningMethod = LearningMethod> {
  kind: M['kind'];
  /** the models the GPU engine runs it for (their records have its kernels): its method record's `gpu` */
  models: readonly ModelKind[];
  /** its lanes hold P (two copies in the shared P buffers: the planner's binding check) */
  holdsP: boolean;
  /** its lane in a batch of `layout` (`ext` names the lane in messages) */
  lane(method: M, spec: LaneInput, layout: BatchLayout, ext: number, transport: TransportChoice): LanePlan;
  /** the extra buffers whose slice the snapshot carries over to a new batch (its noise stream carries on in its spec) */
  carries: readonly Exclude<ExtraBuffer, 'noise'>[];
  /** a factors record whose two leading factors' norms multiply to its stand-in for ‖P‖: where the second starts, where both end */
  factorNorm?(layout: BatchLayout): { first: number; prefix: number };
  /** planner: floats of one lane */
  floats(method: M, layout: BatchLayout, sizes: LaneSizes): number;
  /** why this device cannot run it, or null */
  refusal?(limits: GPUSupportedLimits): string | null;
  /** the arms of this kind the start-up check runs (verify.ts) */
  checks: readonly M[];
}

type Of<K extends MethodKind> = Extract<LearningMethod, { kind: K }>;
const define = <K extends MethodKind>(kind: K, r: Omit<LaneKind<Of<NoInfer<K>>>, 'kind'>): LaneKind => ({ kind, ...r }) as unknown as LaneKind;
/**
 * A lane kind whose lanes keep nothing beyond the records every lane has (the snapshot carries no slice of
 * an extra buffer of theirs), sized as the planner's `size` lane and checked at start-up with its one arm.
 */
const plain = <K extends 'frozen' | 'readout' | 'full' | 'snap1'>(
  kind: K,
  r: { models: readonly ModelKind[]; holdsP: boolean; size: Exclude<keyof LaneSizes, 'p'>; lane: LaneKind<Of<K>>['lane'] },
): LaneKind => define(kind, { models: r.models, holdsP: r.holdsP, lane: r.lane, carries: [], floats: (_m, _l, s) => s[r.size], checks: [{ kind } as Of<K>] });

/** A sparse-k arm (config.ts sparseArm, typed as the sparse method). */
const sparse = (k: number): Of<'sparse'> => ({ kind: 'sparse', k, strategy: 'random', refreshEvery: 0, rescale: false });

/**
 * A TBPTT lane's window: [count, head], τ slots of (h_{s-1}, d_s, x_s) and τ vectors ga_s = d_s ⊙ δ_s of the
 * step's backward pass, which tbptt.wgsl writes and tbpttGradient.wgsl reads.
 */
const tbpttWindow = (layout: BatchLayout, tau: number) => 2 + tau * (3 * layout.n + layout.m);

/**
 * UORO and KF-RTRL: no P; a record in `factors` whose two leading factors' norms multiply to the CPU
 * estimator's sensitivityNorm (‖s‖·‖θ̃‖, ‖u‖·‖A‖), and a ring of signs per step drawn from the arm's own
 * noise stream (n ν's for UORO, c1 and c2 for KF-RTRL).
 */
function factorKind(
  kind: 'uoro' | 'kf',
  name: string,
  models: readonly ModelKind[],
  record: (l: BatchLayout) => { size: number; prefix: number },
  first: (l: BatchLayout) => number,
  draws: (l: BatchLayout) => number,
): LaneKind {
  return define(kind, {
    models,
    holdsP: false,
    lane: (_m, spec, layout, ext) => {
      if (!spec.noiseRng) throw new RangeError(`lane ${ext}: a ${kind} lane needs its arm's noise stream (LaneSpec.noiseRng)`);
      // uoroState.wgsl stages s and J s (2n floats), kfTransport.wgsl a row of Aᵀ, in 16 KiB of workgroup memory
      if (layout.n > 16 * WG) throw new GpuError('validation', `lane ${ext}: ${name} on the GPU supports n ≤ ${16 * WG}`);
      return { range: kind, factors: record(layout).size, draws: draws(layout) };
    },
    carries: ['factors'],
    factorNorm: (l) => ({ first: first(l), prefix: record(l).prefix }),
    floats: (_m, l, s) => s.withoutP + record(l).size,
    checks: [{ kind }],
  });
}

/** Every lane kind, in the order the start-up check runs them. */
export const LANE_KINDS: readonly LaneKind[] = [
  plain('frozen', { models: ['rnn', 'lstm'], holdsP: false, size: 'frozen', lane: () => ({ range: 'frozen' }) }),
  plain('readout', {
    models: ['rnn'],
    holdsP: false,
    size: 'readout',
    // θ frozen, the readout adapting: the last learning lanes, after every θ-gradient kernel's range, so they
    // run the forward pass, the readout gradient, the clip and the readout's update only, and hold a
    // gradient and moments for V and c alone (layout.ts gradRecord); no P, no θ gradient, no θ state
    lane: () => ({ range: 'readout' }),
  }),
  plain('full', {
    models: ['rnn', 'lstm'],
    holdsP: true,
    size: 'learning',
    // on a model and adapter where full lanes run the sparse kernel, with every source in order (PathSelection's allPaths)
    lane: (_m, _s, layout, _e, transport) =>
      transport.fullAsGather ? { range: 'sparse', k: layout.n, scale: 1, sources: allPaths(layout.n) } : { range: 'full' },
  }),
  define('sparse', {
    models: ['rnn', 'lstm'],
    holdsP: true,
    lane: (m, spec, { n }, ext, transport) => {
      if (!(m.k >= 0 && m.k <= n)) throw new RangeError(`lane ${ext}: k must be in [0, ${n}], got ${m.k}`);
      if (m.k > 0 && (!spec.sources || spec.sources.length < n * m.k)) throw new RangeError(`lane ${ext}: sparse lane needs n*k = ${n * m.k} sources`);
      // a large enough k runs the dense tile with W masked to the kept sources (sparseVariant.ts chooseDenseRoute)
      const range = m.k > 0 && m.k >= transport.denseFromK ? 'masked' : 'sparse';
      return { range, k: m.k, scale: m.rescale && m.k > 0 ? n / m.k : 1, sources: m.k > 0 ? spec.sources!.slice(0, n * m.k) : undefined };
    },
    carries: ['sources'],
    floats: (_m, _l, s) => s.learning,
    checks: [sparse(2), sparse(0)],
  }),
  plain('snap1', {
    models: ['rnn'],
    holdsP: true,
    size: 'learning',
    // SnAp-1 (methods/snap1.ts) is the sparse transport with one path per unit, its own:
    //   P[i,·] <- (1-α + d_i W_ii) P[i,·] + immediate term,
    // so P keeps only the entries the immediate term touches, the CPU's trace (n·p floats here, p there).
    lane: (_m, _s, { n }) => ({ range: 'sparse', k: 1, scale: 1, sources: Int32Array.from({ length: n }, (_, i) => i) }),
  }),
  define('tbptt', {
    models: ['rnn'],
    holdsP: false,
    lane: (m, _s, layout, ext) => {
      if (layout.n > 8 * WG) throw new GpuError('validation', `lane ${ext}: TBPTT on the GPU supports n ≤ ${8 * WG}`);
      return { range: 'tbptt', tau: m.truncation, window: tbpttWindow(layout, m.truncation) };
    },
    carries: ['window'],
    floats: (m, l, s) => s.withoutP + tbpttWindow(l, m.truncation),
    checks: [{ kind: 'tbptt', truncation: 3 }],
  }),
  factorKind(
    'uoro',
    'UORO',
    ['rnn'],
    uoroRecord,
    (l) => uoroRecord(l).tt,
    (l) => l.n,
  ),
  factorKind(
    'kf',
    'KF-RTRL',
    ['rnn'],
    kfRecord,
    (l) => kfRecord(l).a,
    () => 2,
  ),
];

/** The lane kind of a method kind, if the GPU engine has one. */
export function laneKind(kind: MethodKind): LaneKind | undefined {
  return LANE_KINDS.find((r) => r.kind === kind);
}

/** The method kinds the GPU engine runs lanes of for a model, in LANE_KINDS order. */
export function laneKindsFor(model: ModelKind): MethodKind[] {
  return LANE_KINDS.filter((r) => r.models.includes(model)).map((r) => r.kind);
}
