/**
 * Every kernel a batch can dispatch has a cost by its own count (KernelSpec.cost: bytes, FLOPs and, for
 * lanes without a P, the floor of their own state), so the benchmark's bytesOverFloor and flopFractionOfPeak
 * exist for every entry; a new kernel without one fails here by name. No device needed: the counts are
 * functions of the layout and the lanes.
 */
import { expect, it } from 'vitest';
import { MODEL_KINDS } from '../../src/engine/models';
import { GPU_MODELS, METRIC_KERNELS, STEP_KERNELS, stepTable } from '../../src/gpu/gpuModels';
import { LANE_RANGES, type LaneRange } from '../../src/gpu/layout';
import type { KernelEnv, KernelSpec } from '../../src/gpu/stepKernels';

/** Two lanes of every range of `model`'s batch at n = 12 (sparse k = 3 and n, masked k = 5 and n, TBPTT τ = 4 and 20). */
function everyRange(model: (typeof MODEL_KINDS)[number], tau: readonly number[] = [4, 20]): KernelEnv {
  const gpu = GPU_MODELS[model]!;
  const layout = gpu.layout({ n: 12, m: 2, o: 1 });
  const count = Object.fromEntries(LANE_RANGES.map((r) => [r, 2])) as Record<LaneRange, number>;
  const base = Object.fromEntries(LANE_RANGES.map((r, i) => [r, 2 * i])) as Record<LaneRange, number>;
  return {
    layout,
    B: 2 * LANE_RANGES.length,
    count,
    base,
    PL: 6,
    L: 2 * (LANE_RANGES.length - 1),
    thetaLanes: 2 * (LANE_RANGES.length - 2),
    chunk: 10,
    optimizer: 'adam',
    sparseShader: gpu.chooseTransport(true, layout, {}).shader,
    partLanes: gpu.gradientParts ? 2 : 0,
    sparseK: [3, layout.n],
    maskedK: [5, layout.n],
    tbpttTau: tau,
    pBytes: 4,
  };
}

it('every step and metric kernel of every model has a cost count', () => {
  const missing = [...STEP_KERNELS, ...METRIC_KERNELS].filter((k) => !k.cost).map((k) => k.name);
  expect(missing, 'kernels without KernelSpec.cost').toEqual([]);
});

it('each count is finite and positive where the kernel has work, and the floor it gives is at most its bytes', () => {
  for (const model of MODEL_KINDS) {
    const gpu = GPU_MODELS[model];
    if (!gpu) continue;
    const env = everyRange(model);
    for (const k of [...stepTable(gpu), ...METRIC_KERNELS]) {
      if (!k.dispatch(env).every((d) => d > 0)) continue;
      const c = (k as Required<KernelSpec>).cost(env);
      const where = `${model} ${k.name}`;
      expect(Number.isFinite(c.bytes) && c.bytes > 0, `${where}: bytes ${c.bytes}`).toBe(true);
      expect(Number.isFinite(c.flops) && c.flops >= 0, `${where}: flops ${c.flops}`).toBe(true);
      expect(c.floor ?? 0, `${where}: floor`).toBeLessThanOrEqual(c.bytes);
    }
  }
});

it('the baselines give their state a floor (UORO s and θ̃, KF-RTRL u and A, TBPTT its window), TBPTT by each lane’s τ', () => {
  const env = everyRange('rnn');
  const rnn = stepTable(GPU_MODELS.rnn!);
  const floorOf = (names: string[], e: KernelEnv = env) => rnn.filter((k) => names.includes(k.name)).reduce((a, k) => a + (k.cost!(e).floor ?? 0), 0);
  const { n, m, p } = env.layout;
  expect(floorOf(['uoroState', 'uoroGradient'])).toBe(4 * 2 * 2 * (n + p));
  expect(floorOf(['kfTransport', 'kfUpdate', 'kfGradient'])).toBe(4 * 2 * 2 * (n * n + n + m + 1));
  expect(floorOf(['tbptt', 'tbpttGradient'])).toBe(4 * (4 + 1 + 20 + 1) * (2 * n + m));
  // a longer window costs more of both kernels
  const longer = everyRange('rnn', [4, 40]);
  for (const name of ['tbptt', 'tbpttGradient']) {
    const k = rnn.find((x) => x.name === name)!;
    expect(k.cost!(longer).bytes, name).toBeGreaterThan(k.cost!(env).bytes);
    expect(k.cost!(longer).flops, name).toBeGreaterThan(k.cost!(env).flops);
  }
});
