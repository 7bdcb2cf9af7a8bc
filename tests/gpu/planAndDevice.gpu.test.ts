/**
 * The memory planner (waves, refusal with numbers), device acquisition's typed failures, a destroyed
 * device's lost path, and the compile check: every .wgsl compiles with no errors or warnings, and a
 * broken shader's error names its file and line (a snippet's own, when the error is in an included one).
 */
import { describe, expect, it } from 'vitest';
import { sparseArm } from '../../src/engine/config';
import { initRnn } from '../../src/engine/models/rnn';
import { Rng } from '../../src/engine/rng';
import { allocateSequence } from '../../src/engine/tasks/task';
import { GpuBatch, type GpuContext } from '../../src/gpu/batch';
import { acquireDevice } from '../../src/gpu/device';
import { GpuDeviceLostError, MemoryPlanError, ShaderCompileError } from '../../src/gpu/errors';
import { KernelCache } from '../../src/gpu/kernels';
import { planMemory } from '../../src/gpu/memoryPlan';
import { loadShaderSources, SHADER_NAMES, type ShaderName, type SnippetFile } from '../../src/gpu/shaderSources';
import { verifyAgainstCpu } from '../../src/gpu/verify';
import { deviceForFile, expectCleanCompile, nodeContext } from './gpuHarness';

const arms = [{ kind: 'frozen' } as const, { kind: 'full' } as const, sparseArm(4, 'random'), sparseArm(0, 'random')];
const swiftshader = { maxStorageBufferBindingSize: 1024 ** 3, maxBufferSize: 1024 ** 3 };

describe('memory planner', () => {
  it('fits a small experiment in one batch', () => {
    const plan = planMemory({ n: 64, m: 1, o: 1, arms, seedCount: 5, steps: 1000, limits: swiftshader });
    expect(plan.waves).toHaveLength(1);
    expect(plan.waves[0]).toHaveLength(20);
  });

  it('runs n = 256 x 5 seeds in waves of whole seeds when the budget is smaller than the whole', () => {
    // 15 learning lanes of 130 MiB need 1.9 GiB; a 1 GiB budget takes two seeds (6 lanes) at a time
    const plan = planMemory({ n: 256, m: 1, o: 1, arms, seedCount: 5, steps: 1000, limits: swiftshader, budgetBytes: 1024 ** 3 });
    expect(plan.waves.map((w) => w.length)).toEqual([8, 8, 4]);
    expect(plan.waves.length).toBeGreaterThan(1);
    expect(plan.waves.flat()).toHaveLength(20);
    for (const wave of plan.waves) expect(wave.length % arms.length).toBe(0);
    for (const bytes of plan.waveBytes) expect(bytes).toBeLessThanOrEqual(1024 ** 3);
    expect(plan.summary).toMatch(/waves/);
  });

  it('sizes TBPTT, UORO and KF-RTRL lanes by their own records, not by two copies of P', () => {
    // at n = 256 one RTRL lane is 130 MiB; the baselines' lanes hold a window or two factors (< 2 MiB)
    const baselines = [{ kind: 'uoro' } as const, { kind: 'kf' } as const, { kind: 'tbptt', truncation: 20 } as const];
    const plan = planMemory({ n: 256, m: 1, o: 1, arms: baselines, seedCount: 5, steps: 1000, limits: swiftshader, budgetBytes: 1024 ** 3 });
    expect(plan.waves).toHaveLength(1);
    expect(plan.waveBytes[0]).toBeLessThan(64 * 1024 ** 2);
    // with full RTRL beside them the waves are set by the P lanes alone: two seeds' worth of P per GiB
    const mixed = planMemory({ n: 256, m: 1, o: 1, arms: [...arms, ...baselines], seedCount: 5, steps: 1000, limits: swiftshader, budgetBytes: 1024 ** 3 });
    expect(mixed.waves.map((w) => w.length)).toEqual([14, 14, 7]);
  });

  it('refuses an impossible size, giving needed and available bytes', () => {
    const limits = { maxStorageBufferBindingSize: 128 * 1024 ** 2, maxBufferSize: 256 * 1024 ** 2 };
    let error: unknown;
    try {
      planMemory({ n: 512, m: 1, o: 1, arms, seedCount: 1, steps: 100, limits });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MemoryPlanError);
    const e = error as MemoryPlanError;
    expect(e.neededBytes).toBe(512 * (512 * 512 + 512 + 512) * 4);
    expect(e.availableBytes).toBe(128 * 1024 ** 2);
    expect(e.message).toBe("n=512 does not fit this device: one arm's sensitivity P needs 514.0 MiB in one storage binding, the device allows 128.0 MiB");
    // 130 MiB of P twice plus 4 MiB of the sparse transport's row-block partials of g = cᵀP
    expect(() => planMemory({ n: 256, m: 1, o: 1, arms, seedCount: 1, steps: 100, limits: swiftshader, budgetBytes: 100 * 1024 ** 2 })).toThrow(
      /^n=256 does not fit: one learning arm needs 134\.0 MiB, the memory budget is 100\.0 MiB$/,
    );
  });
});

describe('device acquisition: typed results, never a rejection', () => {
  it('no navigator.gpu', async () => {
    const r = await acquireDevice(undefined);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.reason).toBe('no-webgpu');
  });
  it('a null adapter', async () => {
    const r = await acquireDevice({ requestAdapter: async () => null } as unknown as GPU);
    expect(!r.ok && r.error.reason).toBe('no-adapter');
  });
  it('a failing requestDevice', async () => {
    const adapter = { limits: swiftshader, requestDevice: async () => Promise.reject(new Error('limits exceeded')) };
    const r = await acquireDevice({ requestAdapter: async () => adapter } as unknown as GPU);
    expect(!r.ok && r.error.reason).toBe('request-device-failed');
    expect(!r.ok && r.error.message).toContain('limits exceeded');
  });
});

describe('on a real (Dawn) device', () => {
  let ctx: GpuContext;
  deviceForFile((c) => (ctx = c));

  it('every .wgsl compiles with no errors or warnings', async () => {
    await expectCleanCompile(ctx, SHADER_NAMES);
  });

  it('a compile error names the file and its line: the kernel file, or the snippet it includes', async () => {
    // a device of its own: the broken modules' errors would fail the next test's checks on a shared one
    const own = await nodeContext();
    const sources = await loadShaderSources();
    // compiles `name` with `statement` in `file` broken; expects the error to name `file` and that line
    const expectError = async (name: ShaderName, file: ShaderName | SnippetFile, statement: string) => {
      const broken = sources[file].replace(statement, statement.replace(';', ' +;'));
      const line = broken.split('\n').findIndex((l) => l.includes(' +;')) + 1;
      const err = await new KernelCache(own.device, { ...sources, [file]: broken }).module(name).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ShaderCompileError);
      expect((err as ShaderCompileError).message).toMatch(new RegExp(`^${file}\\.wgsl:${line}:\\d+: `));
    };
    try {
      await expectError('gram', 'gram', 'var s = 0.0;');
      await expectError('forward', 'forward', 'var hp = 0.0;');
      for (const name of ['forward', 'lstmForward'] as const) await expectError(name, 'common/readoutTail', 'var loss = 0.0;');
    } finally {
      own.device.destroy();
    }
  });

  it('the start-up verification passes on this adapter', async () => {
    expect(await verifyAgainstCpu(ctx)).toMatchObject({ ok: true });
  });

  it('a destroyed device gives the lost path: advance rejects with GpuDeviceLostError', async () => {
    // a device of its own, since it destroys it
    const own = await nodeContext();
    const shape = { n: 4, m: 1, o: 1, leak: 1 };
    const seq = allocateSequence(20, 1, 1);
    const batch = await GpuBatch.create(own, shape, [seq], [{ method: { kind: 'full' }, params: initRnn(shape, new Rng(1)), stream: 0 }], {
      optimizer: { kind: 'adam', lr: 1e-3, clipNorm: 0 },
    });
    await batch.advance(5);
    own.device.destroy();
    await own.device.lost;
    const err = await batch.advance(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpuDeviceLostError);
    expect((err as GpuDeviceLostError).reason).toBe('destroyed');
    expect(own.health.lost?.reason).toBe('destroyed');
  });
});
