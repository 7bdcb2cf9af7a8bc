/**
 * Every GPU buffer layout of a batch, named once: the parameter stride, the state record, the control
 * words, the lane record, the stream record and the hyper-parameters. The TypeScript side (batch.ts,
 * the memory planner, the readback) reads the numbers here, and the WGSL side gets them through the
 * preamble generated below, which kernels.ts prepends to every shader in shaders/. So no kernel restates
 * a size override, the lane struct or the workgroup reduction, and no file outside src/gpu/ knows an
 * offset (webgpu-utils derives layouts from one definition in the same spirit).
 *
 * The layout below is the RNN's; a model's GPU record (gpuModels.ts) extends it with its p, the tail of
 * its state record and how many parts its running state and P have (the LSTM: [h; c], [P^h; P^c]).
 *
 * Buffers (per lane, in the batch's internal lane order LANE_RANGES: sparse, masked, full, TBPTT, UORO, KF-RTRL, readout, frozen):
 *   params   [θ = (W n×n, U n×m, b n); V o×n, c o]                 stride = p + o n + o
 *   h0, h1   h_t (n) of every lane, then a model's further state parts likewise; ping-ponged: step t
 *            reads h[t % 2], writes h[(t+1) % 2]
 *   state    [D_t (n), dL/dh_t (n), e_t (o), the model's tail]   ST = 2n + o (+ tail)
 *   P0, P1   P_t (n × p) per RTRL lane (sparse, masked, full), then a model's further P parts likewise; ping-ponged like h
 *   grad     per learning lane: [g_θ (p); g_V, g_c] (stride), a readout lane [g_V, g_c] (o n + o) only
 *   moments  Adam's [m; v] of each learning lane's gradient record (gradRecord below)
 *   partials Σg² per gradient workgroup: [θ (GT); readout (GR)] per learning lane, [readout (GR)] per readout lane
 *   ctl      per lane: [diverged at t+1 (0 = alive), optimizer updates, fault, 0]
 *   step     uniform { t, settle, 0, 0 } per step of a chunk, one slot per step (STEP_UNIFORM), read at a dynamic offset
 *   lanes    per lane: LANE_FIELDS below, one meaning per field
 *   streams  per stream and step: [x_t (m), y*_t (o), flags (1 = has error, 2 = reset)]   SS = m + o + 1
 *   hyper    uniform { lr, clip, 0, 0 }
 *   sources  per sparse lane (gathered or masked) its n·k kept sources
 *   window   per TBPTT lane its window of recent steps
 *   factors  per UORO lane its record [s, θ̃, …] and per KF-RTRL lane [u, Aᵀ, …] (uoroRecord, kfRecord below)
 *   noise    per UORO / KF-RTRL lane a ring of CH steps of its signs (n ν's, or c1 and c2), drawn by the host
 */
import type { PStorage } from '../engine/precision';
import type { Sequence } from '../engine/tasks/task';

/** The sizes a batch's layout depends on (an RnnShape without the leak). */
export interface GpuShape {
  n: number;
  m: number;
  o: number;
}

/** Workgroup sizes and tiles the kernels are written for. */
export const WG = 64;
/** denseTransport.wgsl's output tile (TS × TS per workgroup, 4×4 per invocation) */
export const TS = 32;
/** the sparse transports: rows per workgroup, each workgroup's partial of g = cᵀP is over this block of rows */
export const ROW_BLOCK = 16;
/** sparseTransport.wgsl: columns per invocation, spaced WG apart */
export const COLS = 4;
/** sumSquares.wgsl: workgroups per lane of the ‖P‖² reduction */
export const GS = 64;

/** Control words: a header, then one record per lane (u32). */
export const CONTROL = {
  headerWords: 0,
  laneWords: 4,
  /** lane word: t + 1 of the step the lane diverged at, 0 while it is alive */
  diverged: 0,
  /** lane word: optimizer updates so far (Adam's t) */
  updates: 1,
  /** lane word: set by any kernel that saw a non-finite value this step; cleared when the step is settled (common/settle.wgsl) */
  fault: 2,
} as const;

/**
 * The lane record, one per lane, a word per field in this order (`struct Lane` in the preamble is generated
 * from it). Each field has one meaning, set by the lane kinds that use it (laneKinds.ts); the rest are 0.
 */
export const LANE_FIELDS = {
  /** every lane: the stream it reads */
  stream: 'u32',
  /** sparse transport (sparse-k, SnAp-1, a full lane run by a gather) and masked dense lanes: kept sources per unit */
  k: 'u32',
  /** sparse transport: where the lane's n·k sources start in `sources` */
  srcOffset: 'u32',
  /** sparse transport: the rescale of the transported terms (n/k, or 1) */
  scale: 'f32',
  /** TBPTT: the window length τ */
  tau: 'u32',
  /** TBPTT: where the lane's window starts in `window` */
  windowOffset: 'u32',
  /** UORO, KF-RTRL: where the lane's ring of signs starts in `noise` */
  noiseOffset: 'u32',
  /** UORO, KF-RTRL: where the lane's record starts in `factors` */
  factorOffset: 'u32',
} as const;
export type LaneField = keyof typeof LANE_FIELDS;
export type LaneRecord = Record<LaneField, number>;
export const LANE_WORDS = Object.keys(LANE_FIELDS).length;

/**
 * The lane ranges in the batch's internal lane order: each kernel covers one contiguous range. Lanes of
 * the first three hold P; every range but the last learns; readout lanes learn V and c only. `masked`
 * lanes are sparse-k lanes whose k is large enough that the dense tile, with W masked to the kept
 * sources, moves less memory than a gather (sparseVariant.ts chooseDenseRoute); they run the dense kernel
 * with the full lanes, just before them.
 */
export const LANE_RANGES = ['sparse', 'masked', 'full', 'tbptt', 'uoro', 'kf', 'readout', 'frozen'] as const;
export type LaneRange = (typeof LANE_RANGES)[number];

/** Flag bits of a stream record's last float. */
export const STREAM_FLAGS = { error: 1, reset: 2 } as const;

/**
 * The step uniform: what a kernel knows of the step it runs, `stepNow` in WGSL (group 1, binding 0). The
 * host writes one slot per step of a chunk and binds the step's slot at a dynamic offset, so the step
 * index costs no atomic and no dispatch of its own. `settle`: 1 when the forward kernel is to settle the
 * step before (common/settle.wgsl) first, 0 at a chunk's first step (the chunk before settled its last).
 */
export const STEP_UNIFORM = { words: 4, t: 0, settle: 1 } as const;

/** The hyper-parameter uniform (floats). */
export const HYPER = { floats: 4, lr: 0, clip: 1 } as const;

/** Offsets inside the state record: the shared ones every kernel reads, and a model's own. */
export type StateOffsets = { readonly dLdh: number; readonly e: number } & Readonly<Record<string, number>>;

/** Sizes of one batch's records, in floats (or words). */
export interface BatchLayout extends GpuShape {
  /** recurrent parameters θ per lane (the RNN's p = n² + n m + n) */
  p: number;
  /** readout parameters per lane: o n + o */
  nr: number;
  /** parameters per lane [θ; V, c] */
  stride: number;
  /** state record per lane */
  st: number;
  state: StateOffsets;
  /** stream record per step */
  ss: number;
  /** one part of one learning lane's P, n × p */
  pFloats: number;
  /** workgroups of the gradient kernels per lane (θ part, readout part): their Σg² partials */
  gt: number;
  gr: number;
  /** running-state parts per lane (h, or the LSTM's h and c): part q of every lane follows part q-1 of every lane */
  stateParts: number;
  /** P parts per lane with a P (P, or the LSTM's P^h and P^c), held likewise */
  pParts: number;
}

/** What a model changes in the layout: its p, the tail it appends to the state record, its parts. */
export interface LayoutExtension {
  p: number;
  /** floats after the shared state record, and the model's own offsets (the record's first n floats are the model's too) */
  stateTail: number;
  offsets: Readonly<Record<string, number>>;
  stateParts: number;
  pParts: number;
}

/** The RNN's extension: θ = (W, U, b) in the engine's order (rnn.ts), D_t in the state record's first n floats. */
export function rnnExtension(shape: GpuShape): LayoutExtension {
  const { n, m } = shape;
  // the tail: ĥ_t's h_{t-1} (zero after a reset) and x_t, and the step's keep flag, staged by the forward
  // kernel so the transports read neither h nor the streams (rnnGpu.ts, RNN_PREAMBLE)
  const tail = 2 * n + shape.o;
  return { p: n * n + n * m + n, stateTail: n + m + 1, offsets: { d: 0, hPrev: tail, x: tail + n, keep: tail + n + m }, stateParts: 1, pParts: 1 };
}

/** A batch's layout: the RNN's, or a model's extension of it. */
export function batchLayout(shape: GpuShape, ext: LayoutExtension = rnnExtension(shape)): BatchLayout {
  const { n, m, o } = shape;
  const { p } = ext;
  const nr = o * n + o;
  const shared = 2 * n + o;
  return {
    n,
    m,
    o,
    p,
    nr,
    stride: p + nr,
    st: shared + ext.stateTail,
    state: { ...ext.offsets, dLdh: n, e: 2 * n },
    ss: m + o + 1,
    pFloats: n * p,
    gt: Math.ceil(p / WG),
    gr: Math.ceil(nr / WG),
    stateParts: ext.stateParts,
    pParts: ext.pParts,
  };
}

/**
 * A UORO lane's record in the factors buffer (floats; uoroState.wgsl, uoroGradient.wgsl):
 *   [s (n), θ̃ (p), (D_t ν)/ρ1 (n), ĥ_t (n+m+1), 1/ρ0, c_tᵀ s_t, keep (0 on a reset step), Σθ̃² partials (gt)]
 * s and θ̃ lead, so ‖s‖·‖θ̃‖ (the CPU's sensitivityNorm) reads one prefix; the rest is the step's scratch
 * and the partial sums that give the next step ‖θ̃‖ without another pass over θ̃.
 */
export function uoroRecord(l: BatchLayout): {
  s: number;
  tt: number;
  ar: number;
  hh: number;
  inv0: number;
  cs: number;
  keep: number;
  tq: number;
  size: number;
  prefix: number;
} {
  const { n, m, p, gt } = l;
  const ar = n + p;
  const hh = ar + n;
  const inv0 = hh + n + m + 1;
  return { s: 0, tt: n, ar, hh, inv0, cs: inv0 + 1, keep: inv0 + 2, tq: inv0 + 3, size: inv0 + 3 + gt, prefix: n + p };
}

/**
 * A KF-RTRL lane's record in the factors buffer (floats; kfTransport.wgsl, kfUpdate.wgsl, kfGradient.wgsl):
 *   [u (n+m+1), Aᵀ (n × n, row r = column r of A), ‖(J A)ᵀ row r‖² (n), (J A)ᵀ row r · c_t (n), a = Aᵀc_t (n), c1/p1, c2/p2]
 * u and Aᵀ lead (‖u‖·‖A‖ reads one prefix). J A is written over Aᵀ in place (each workgroup stages its row).
 */
export function kfRecord(l: BatchLayout): { u: number; a: number; sq: number; jc: number; av: number; fa: number; fd: number; size: number; prefix: number } {
  const { n, m } = l;
  const a = n + m + 1;
  const sq = a + n * n;
  const fa = sq + 3 * n;
  return { u: 0, a, sq, jc: sq + n, av: sq + 2 * n, fa, fd: fa + 1, size: fa + 2, prefix: a + n * n };
}

/**
 * Floats in each half of the `losses` buffer: the first half holds L_t of every lane and step
 * (losses[t·B + lane]), the second each lane's first output y_t[0] (losses[half + t·B + lane]), which the
 * forward kernels write and the batch reads back with the losses. The kernels find the second half at
 * arrayLength(&losses) / 2, so the buffer is exactly two halves (and at least 16 bytes: half ≥ 2).
 */
export function stepRecordHalf(steps: number, lanes: number): number {
  return Math.max(2, steps * lanes);
}

/** Control words of a batch of B lanes. */
export const controlWords = (B: number): number => CONTROL.headerWords + CONTROL.laneWords * B;
/** Index of lane i's word `field` in the control buffer. */
export const controlIndex = (lane: number, field: 'diverged' | 'updates' | 'fault'): number => CONTROL.headerWords + CONTROL.laneWords * lane + CONTROL[field];

/**
 * Learning lane `lane`'s gradient record (floats into `grad`), when the first `thetaLanes` learning lanes
 * learn θ and the rest are readout lanes: [g_θ; g_V, g_c] (stride) for the former, [g_V, g_c] (nr) for the
 * latter. Adam's [m; v] of the record start at twice `start`. The preamble's gradStart and gradFloats.
 */
export function gradRecord(l: BatchLayout, thetaLanes: number, lane: number): { start: number; floats: number } {
  return { start: lane * l.nr + Math.min(lane, thetaLanes) * l.p, floats: lane < thetaLanes ? l.stride : l.nr };
}

/**
 * Per-lane floats of every buffer, for the memory planner (laneKinds.ts sizes each lane kind from these):
 * `p` is what one RTRL lane adds to the P binding (every P part); RTRL lanes hold it twice, with gradient,
 * moments and ‖P‖² partials; readout lanes only the readout's gradient and moments beside their parameters;
 * frozen lanes neither. `withoutP` is a learning lane without P, the base of TBPTT, UORO and KF-RTRL lanes.
 * Under 'f16' storage P's entries are halves, so `p` (in floats' worth of bytes) is half as large.
 */
export function laneFloats(layout: BatchLayout, storage: PStorage = 'f32'): { p: number; learning: number; withoutP: number; readout: number; frozen: number } {
  const { n, nr, stride, st, pFloats, stateParts, pParts } = layout;
  // h0 + h1, the state record, the control record and the lane record
  const small = 2 * stateParts * n + st + CONTROL.laneWords + LANE_WORDS;
  // P in floats' worth of bytes (two entries a float under 'f16')
  const p = (pParts * pFloats * pEntryBytes(storage)) / 4;
  // and the sparse transport's partials of g = cᵀP, one row per block of ROW_BLOCK rows (counted for every lane with a P)
  const gradParts = Math.ceil(n / ROW_BLOCK) * (pFloats / n);
  const learning = 2 * p + gradParts + 4 * stride + small + pParts * GS;
  return { p, learning, withoutP: learning - 2 * p - gradParts, readout: stride + 3 * nr + small, frozen: stride + small };
}

/** The lanes buffer's contents: each record's fields in LANE_FIELDS order (0 where a lane kind sets none). */
export function encodeLanes(records: readonly Partial<LaneRecord>[]): ArrayBuffer {
  const fields = Object.entries(LANE_FIELDS) as [LaneField, 'u32' | 'f32'][];
  const bytes = new ArrayBuffer(4 * LANE_WORDS * Math.max(1, records.length));
  const u = new Uint32Array(bytes);
  const f = new Float32Array(bytes);
  records.forEach((r, i) => {
    fields.forEach(([name, type], w) => ((type === 'f32' ? f : u)[i * LANE_WORDS + w] = r[name] ?? 0));
  });
  return bytes;
}

/** The streams buffer's contents: `steps` records of every stream, one stream after another. */
export function encodeStreams(layout: BatchLayout, streams: readonly Sequence[], steps: number): Float32Array<ArrayBuffer> {
  const { m, o, ss } = layout;
  const out = new Float32Array(Math.max(1, streams.length * steps * ss));
  streams.forEach((seq, s) => {
    for (let t = 0; t < steps; t++) {
      const r = (s * steps + t) * ss;
      for (let l = 0; l < m; l++) out[r + l] = seq.x[t * m + l];
      for (let j = 0; j < o; j++) out[r + m + j] = seq.y[t * o + j];
      out[r + m + o] = (seq.errorMask[t] ? STREAM_FLAGS.error : 0) | (seq.reset[t] ? STREAM_FLAGS.reset : 0);
    }
  });
  return out;
}

export function encodeHyper(lr: number, clip: number): Float32Array<ArrayBuffer> {
  const h = new Float32Array(HYPER.floats);
  h[HYPER.lr] = lr;
  h[HYPER.clip] = clip;
  return h;
}

/**
 * The WGSL every kernel starts with. Sizes are override constants (set per pipeline from the batch's
 * shape: N, M, O, T steps per stream, B lanes, LEAK); the derived sizes and the record offsets follow
 * from them, so a kernel names `STRIDE` or `ST_ERR`, never `2u * N`. Overrides a kernel does not use need
 * no value. The one workgroup reduction is `workgroupSum`.
 */
export const WGSL_PREAMBLE = `// ---- preamble: generated by src/gpu/layout.ts and prepended to every kernel ----
override N: u32;
override M: u32;
override O: u32;
override T: u32;
override B: u32;
override LEAK: f32;
override WG: u32 = ${WG}u;
const COLS: u32 = ${COLS}u;
override NP: u32 = N * N + N * M + N;
override NR: u32 = O * N + O;
override STRIDE: u32 = NP + NR;
override SS: u32 = M + O + 1u;
override SS_FLAGS: u32 = M + O;
override ST: u32 = 2u * N + O;
override ST_DLDH: u32 = N;
override ST_ERR: u32 = 2u * N;
override GT: u32 = (NP + WG - 1u) / WG;
// the sparse transports' row blocks: each writes its block's partial of g = cᵀP (gradParts)
override ROWS: u32 = ${ROW_BLOCK}u;
override RB: u32 = (N + ROWS - 1u) / ROWS;
override GR: u32 = (NR + WG - 1u) / WG;
// ĥ_t = [h_{t-1}; x_t; 1]; the UORO and KF-RTRL records (uoroRecord, kfRecord in layout.ts)
override NL: u32 = N + M + 1u;
override UO_TT: u32 = N;
override UO_AR: u32 = N + NP;
override UO_HH: u32 = 2u * N + NP;
override UO_INV0: u32 = 2u * N + NP + NL;
override UO_CS: u32 = UO_INV0 + 1u;
override UO_KEEP: u32 = UO_INV0 + 2u;
override UO_TQ: u32 = UO_INV0 + 3u;
override KF_A: u32 = NL;
override KF_SQ: u32 = NL + N * N;
override KF_JC: u32 = KF_SQ + N;
override KF_AV: u32 = KF_SQ + 2u * N;
override KF_FA: u32 = KF_SQ + 3u * N;
override KF_FD: u32 = KF_FA + 1u;
// The learning lanes' gradient and Σg² records. Lanes below THETA_LANES learn θ: [g_θ (NP); g_V, g_c (NR)]
// at lane · STRIDE and partials [θ (GT); readout (GR)] at lane · (GT + GR), as the θ-gradient kernels index
// them. The readout lanes after them (θ frozen) hold only the readout's part, so no θ record is kept for them.
override THETA_LANES: u32 = B;
/** Start of a learning lane's gradient record (its Adam [m; v] start at twice this). */
fn gradStart(lane: u32) -> u32 { return lane * NR + min(lane, THETA_LANES) * NP; }
/** Start of a learning lane's readout gradient (g_V, then g_c): after its θ gradient, if it has one. */
fn gradReadoutStart(lane: u32) -> u32 { return lane * NR + min(lane + 1u, THETA_LANES) * NP; }
/** Floats of a learning lane's gradient record: STRIDE, or NR for a readout lane. */
fn gradFloats(lane: u32) -> u32 { return gradReadoutStart(lane) + NR - gradStart(lane); }
/** Start of a learning lane's Σg² partials, and of its readout partials (after its θ ones, if any). */
fn partialsStart(lane: u32) -> u32 { return lane * GR + min(lane, THETA_LANES) * GT; }
fn partialsReadoutStart(lane: u32) -> u32 { return lane * GR + min(lane + 1u, THETA_LANES) * GT; }
const CTL_DIVERGED: u32 = ${CONTROL.diverged}u;
const CTL_UPDATES: u32 = ${CONTROL.updates}u;
const CTL_FAULT: u32 = ${CONTROL.fault}u;
const FLAG_ERROR: u32 = ${STREAM_FLAGS.error}u;
const FLAG_RESET: u32 = ${STREAM_FLAGS.reset}u;

struct Lane { ${Object.entries(LANE_FIELDS)
  .map(([name, type]) => `${name}: ${type}`)
  .join(', ')} }
struct Hyper { lr: f32, clip: f32 }
struct StepNow { t: u32, settle: u32, unused0: u32, unused1: u32 }

/** First control word of a lane's record. */
fn ctlOf(lane: u32) -> u32 { return ${CONTROL.headerWords}u + lane * ${CONTROL.laneWords}u; }
/** Offset of step t's record of a stream; its flags are at + SS_FLAGS. */
fn recordOf(stream: u32, t: u32) -> u32 { return (stream * T + t) * SS; }
fn nonFinite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u; }
fn isNan(x: f32) -> bool { return nonFinite(x) && (bitcast<u32>(x) & 0x007fffffu) != 0u; }
fn nan() -> f32 { var bits = 0x7fc00000u; return bitcast<f32>(bits); }

var<workgroup> reduceBuf: array<f32, WG>;
/** Σ of x over the workgroup (a tree in workgroup memory); every invocation gets it. Uniform control flow only. */
fn workgroupSum(lid: u32, x: f32) -> f32 {
  reduceBuf[lid] = x;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lid < w) { reduceBuf[lid] += reduceBuf[lid + w]; }
    workgroupBarrier();
  }
  let s = reduceBuf[0];
  workgroupBarrier(); // the next call may overwrite reduceBuf[0] only after everyone has read it
  return s;
}
// ---- end of preamble ----
`;

/** Element types of the buffers that are not plain `array<f32>`. */
const WGSL_TYPES: Readonly<Record<string, string>> = {
  ctl: 'array<atomic<u32>>',
  lanes: 'array<Lane>',
  sources: 'array<u32>',
  hyper: 'Hyper',
};
/** Buffers bound as uniforms (the rest are storage). */
const UNIFORMS: ReadonlySet<string> = new Set(['hyper']);

/** The bindings that hold P (stepKernels.ts pingPong): stored as f32, or as packed halves under 'f16'. */
export const P_BINDINGS: ReadonlySet<string> = new Set(['pIn', 'pOut', 'pCur']);

/** Bytes of one P entry as the P buffers store it. */
export const pEntryBytes = (storage: PStorage): number => (storage === 'f16' ? 2 : 4);

/**
 * The element type a binding is declared with: P's, under 'f16' storage, is two halves per u32 word
 * (`array<u32>`), or per vec2<u32> where the kernel views P as vec4 (four halves).
 */
function bindingType(name: string, types: Readonly<Record<string, string>>, storage: PStorage): string {
  const type = types[name] ?? WGSL_TYPES[name] ?? 'array<f32>';
  if (storage === 'f32' || !P_BINDINGS.has(name)) return type;
  return type === 'array<vec4f>' ? 'array<vec2u>' : 'array<u32>';
}

/**
 * A kernel's binding declarations, generated from its descriptor (stepKernels.ts): binding i is the
 * i-th buffer, `read` or `read_write` (atomics are always read_write), with its element type from above
 * or from `types` (a kernel that views P as vec4, for one), then the accessors of its P bindings.
 */
export function wgslBindings(
  bindings: Readonly<Record<string, 'read' | 'write' | undefined>>,
  types: Readonly<Record<string, string>> = {},
  storage: PStorage = 'f32',
): string {
  const declarations = Object.entries(bindings).map(([name, access], i) => {
    const type = bindingType(name, types, storage);
    const space = UNIFORMS.has(name) ? 'uniform' : `storage, ${access === 'write' || type.includes('atomic') ? 'read_write' : 'read'}`;
    return `@group(0) @binding(${i}) var<${space}> ${name}: ${type};\n`;
  });
  const accessors = Object.entries(bindings)
    .filter(([name]) => P_BINDINGS.has(name))
    .map(([name, access]) => pAccessors(name, access === 'write', (types[name] ?? 'array<f32>') === 'array<vec4f>', storage));
  return declarations.join('') + accessors.join('');
}

/**
 * How a kernel reads and writes P, the same kernel text for either storage: `XAt(i)` (entry i), and for a
 * written binding `XSet(i, v)` (f32 storage only: two halves share a word, so under 'f16' a lone entry
 * cannot be stored without a race) and `XSetRow4(o, v, room)` (entries o .. o + 3 of one row, the first
 * `room` of them inside P; o % 4 == 0 under 'f16', which p % 4 == 0 ensures, so the four fill two whole
 * words); where the kernel views P as vec4, `XAt(e)` and `XSet(e, v)` are vec4 e's (two whole words). Arithmetic stays f32:
 * a half is widened exactly by unpack2x16float and rounded to the nearest half by pack2x16float.
 */
function pAccessors(X: string, write: boolean, vec4: boolean, storage: PStorage): string {
  const f16 = storage === 'f16';
  if (vec4) {
    const at = f16 ? `let w = ${X}[e]; return vec4f(unpack2x16float(w.x), unpack2x16float(w.y));` : `return ${X}[e];`;
    const set = f16 ? `${X}[e] = vec2u(pack2x16float(v.xy), pack2x16float(v.zw));` : `${X}[e] = v;`;
    return `fn ${X}At(e: u32) -> vec4f { ${at} }\n` + (write ? `fn ${X}Set(e: u32, v: vec4f) { ${set} }\n` : '');
  }
  const at = f16 ? `return unpack2x16float(${X}[i >> 1u])[i & 1u];` : `return ${X}[i];`;
  let out = `fn ${X}At(i: u32) -> f32 { ${at} }\n`;
  if (!write) return out;
  if (f16) out += `fn ${X}SetRow4(o: u32, v: vec4f, room: u32) { let w = o >> 1u; ${X}[w] = pack2x16float(v.xy); ${X}[w + 1u] = pack2x16float(v.zw); }\n`;
  else {
    out += `fn ${X}Set(i: u32, v: f32) { ${X}[i] = v; }\n`;
    out += `fn ${X}SetRow4(o: u32, v: vec4f, room: u32) { for (var b = 0u; b < min(room, 4u); b++) { ${X}[o + b] = v[b]; } }\n`;
  }
  return out;
}

/** The group-0 layout entries of a kernel's bindings, with the same access and address space as wgslBindings declares. */
export function bindingLayoutEntries(
  bindings: Readonly<Record<string, 'read' | 'write' | undefined>>,
  types: Readonly<Record<string, string>> = {},
): GPUBindGroupLayoutEntry[] {
  return Object.entries(bindings).map(([name, access], binding) => {
    const type = types[name] ?? WGSL_TYPES[name] ?? 'array<f32>';
    const buffer: GPUBufferBindingLayout = {
      type: UNIFORMS.has(name) ? 'uniform' : access === 'write' || type.includes('atomic') ? 'storage' : 'read-only-storage',
    };
    return { binding, visibility: GPUShaderStage.COMPUTE, buffer };
  });
}

/** The declaration of the step uniform, for a kernel that reads `stepNow` (group 1, at a dynamic offset). */
export const WGSL_STEP_BINDING = '@group(1) @binding(0) var<uniform> stepNow: StepNow;\n';

/** The override constants every step kernel of a batch gets. */
export function baseConstants(layout: GpuShape, steps: number, lanes: number, leak: number): Record<string, number> {
  return { N: layout.n, M: layout.m, O: layout.o, T: steps, B: lanes, LEAK: leak, WG };
}
