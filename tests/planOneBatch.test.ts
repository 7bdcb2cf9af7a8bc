/**
 * planOneBatch, the one-batch plan the experiment's GpuSeedRun and the app's GPU live run share: it passes
 * the device's limits to the planner and refuses, in the caller's words, lanes that need more than one wave.
 * It reads only the device's limits, so it runs without a GPU.
 */
import { describe, expect, it } from 'vitest';
import type { LearningMethod } from '../src/engine/methods';
import type { GpuContext } from '../src/gpu/batch';
import { GpuError } from '../src/gpu/errors';
import { planOneBatch } from '../src/gpu/memoryPlan';
import { laneBytes } from '../src/gpu/memoryPlan';

const ctx = { device: { limits: { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 } } } as unknown as GpuContext;
const arms: LearningMethod[] = [{ kind: 'full' }, { kind: 'full' }];
const lanes = { n: 8, m: 1, o: 1, arms, steps: 10 };

describe('planOneBatch', () => {
  it('plans lanes that fit in one wave', () => {
    const plan = planOneBatch(ctx, lanes, () => 'unused');
    expect(plan.waves).toHaveLength(1);
    expect(plan.waves[0]).toHaveLength(2);
  });

  it("refuses lanes that need two waves with a GpuError ('memory-plan') in the caller's words and the plan's summary", () => {
    // room for one learning lane, not two
    const budgetBytes = Math.floor(1.5 * laneBytes(8, 1, 1).learning);
    let thrown: unknown = null;
    try {
      planOneBatch(ctx, { ...lanes, budgetBytes }, (summary) => `too large (${summary})`);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GpuError);
    expect((thrown as GpuError).kind).toBe('memory-plan');
    expect((thrown as GpuError).message).toMatch(/^too large \(.+\)$/);
  });
});
