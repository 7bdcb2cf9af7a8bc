/**
 * What the method registry says the GPU engine runs, and how the planner sizes the readout lane; no device
 * needed. The readout-only arm runs as a lane of the RNN batch (not of the LSTM's), and its lane holds
 * its parameters with the readout's gradient and Adam moments only: no P, no θ gradient or moments.
 */
import { expect, it } from 'vitest';
import { gpuMethodKinds, METHOD_KINDS, runsOnGpu } from '../../src/engine/methods';
import { MODEL_KINDS } from '../../src/engine/models';
import { checkGpuArms } from '../../src/gpu/experimentGpu';
import { GPU_MODELS, stepTable } from '../../src/gpu/gpuModels';
import { laneKind, laneKindsFor } from '../../src/gpu/laneKinds';
import { batchLayout, gradRecord, laneFloats } from '../../src/gpu/layout';
import { laneBytes, planMemory } from '../../src/gpu/memoryPlan';
import { GRADIENT_KERNEL, type KernelSpec } from '../../src/gpu/stepKernels';

it('the registry runs the readout arm on the GPU for the RNN, not for the LSTM', () => {
  expect(gpuMethodKinds('rnn')).toContain('readout');
  expect(runsOnGpu({ kind: 'readout' }, 'rnn')).toBe(true);
  expect(runsOnGpu({ kind: 'readout' }, 'lstm')).toBe(false);
  expect(() => checkGpuArms([{ kind: 'frozen' }, { kind: 'readout' }, { kind: 'full' }], 'rnn')).not.toThrow();
  expect(() => checkGpuArms([{ kind: 'frozen' }, { kind: 'readout' }], 'lstm')).toThrow(/'readout' runs on the CPU engine/);
});

it('the registry\u2019s GPU support is the lane records\u2019, for every model: the same method kinds, a GPU record where any run', () => {
  for (const model of MODEL_KINDS) {
    expect([...laneKindsFor(model)].sort(), `${model}: lane kinds vs gpuMethodKinds`).toEqual([...gpuMethodKinds(model)].sort());
    for (const kind of METHOD_KINDS)
      expect(laneKind(kind)?.models.includes(model) ?? false, `${kind} on the ${model}`).toBe(runsOnGpu({ kind } as never, model));
    if (gpuMethodKinds(model).length > 0) expect(GPU_MODELS[model], `${model}: GPU record`).toBeDefined();
  }
  // every lane kind a model runs has a kernel of its step that writes its gradient (a θ gradient beside the
  // readout's for all but readout lanes), dispatched over the lane kind's range
  for (const model of MODEL_KINDS) {
    const gpu = GPU_MODELS[model];
    if (!gpu) continue;
    const layout = gpu.layout({ n: 4, m: 1, o: 1 });
    const zero = { sparse: 0, masked: 0, full: 0, tbptt: 0, uoro: 0, kf: 0, readout: 0, frozen: 0 };
    // the kernels of a step that write a lane's gradient; `theta`: its θ gradient (the gradient kernel
    // writes θ's for the lanes with a P, the readout's for every learning lane)
    const writers = (range: keyof typeof zero, theta: boolean) => {
      const learning = range === 'frozen' ? 0 : 1;
      const PL = range === 'sparse' || range === 'masked' || range === 'full' ? 1 : 0;
      const env = {
        layout,
        B: 1,
        count: { ...zero, [range]: 1 },
        base: zero,
        PL,
        L: learning,
        thetaLanes: range === 'readout' ? 0 : learning,
        chunk: 1,
        optimizer: 'adam' as const,
        sparseShader: transports[0].shader,
        partLanes: 0,
        pBytes: 4,
      };
      const writes = (k: KernelSpec) => k.bindings.grad === 'write' && k.dispatch(env).every((d) => d > 0) && !(theta && k === GRADIENT_KERNEL && PL === 0);
      return stepTable(gpu)
        .filter(writes)
        .map((k) => k.name);
    };
    // sparse lanes gathered, and (the RNN's) run by the masked dense tile
    const transports = [gpu.chooseTransport(true, layout, {}), gpu.chooseTransport(true, layout, { sparseRoute: 'dense' })];
    for (const transport of transports)
      for (const kind of laneKindsFor(model)) {
        const record = laneKind(kind)!;
        const range = record.lane(record.checks[0], { sources: new Int32Array(64), noiseRng: {} }, layout, 0, transport).range;
        if (range === 'frozen') continue;
        expect(writers(range, range !== 'readout'), `${model} ${kind} (${range}): a kernel writing its gradient`).not.toEqual([]);
      }
  }
});

it('a readout lane is sized by what it holds: a frozen lane plus the gradient and moments of V and c', () => {
  const [n, m, o] = [256, 1, 2];
  const layout = batchLayout({ n, m, o });
  const f = laneFloats(layout);
  expect(f.readout - f.frozen).toBe(3 * layout.nr);
  expect(f.readout).toBeLessThan(f.learning - 2 * f.p);
  const sizes = laneBytes(n, m, o);
  const limits = { maxStorageBufferBindingSize: 1024 ** 3, maxBufferSize: 1024 ** 3 };
  const plan = (arms: Parameters<typeof planMemory>[0]['arms']) => planMemory({ n, m, o, arms, seedCount: 3, steps: 100, limits }).waveBytes[0];
  expect(plan([{ kind: 'readout' }]) - plan([{ kind: 'frozen' }])).toBe(3 * (sizes.readout - sizes.frozen));
  // a P binding too small for one RTRL lane does not stop readout lanes (they hold no P)
  const tiny = { maxStorageBufferBindingSize: sizes.pBytes - 4, maxBufferSize: 1024 ** 3 };
  expect(() => planMemory({ n, m, o, arms: [{ kind: 'readout' }], seedCount: 2, steps: 100, limits: tiny })).not.toThrow();
});

it('gradient records: θ lanes [g_θ; g_V, g_c] at lane · stride, readout lanes after them [g_V, g_c] only', () => {
  const l = batchLayout({ n: 5, m: 2, o: 1 });
  // three θ lanes, then two readout lanes
  expect([0, 1, 2].map((i) => gradRecord(l, 3, i))).toEqual([0, 1, 2].map((i) => ({ start: i * l.stride, floats: l.stride })));
  expect(gradRecord(l, 3, 3)).toEqual({ start: 3 * l.stride, floats: l.nr });
  expect(gradRecord(l, 3, 4)).toEqual({ start: 3 * l.stride + l.nr, floats: l.nr });
  // the end of the last record: the gradient buffer's floats
  expect(gradRecord(l, 3, 5).start).toBe(3 * l.stride + 2 * l.nr);
  expect(gradRecord(l, 0, 2).start).toBe(2 * l.nr);
});
