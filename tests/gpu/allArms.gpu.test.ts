/**
 * Every arm on the GPU: frozen, readout-only, full, k = 4, UORO, KF-RTRL, SnAp-1 and TBPTT(20) of the RNN as
 * lanes of one batch, against the CPU engine, through runExperimentGpu and through the command line
 * (`npm run experiment -- --backend gpu --arms frozen,readout,full,k=4,uoro,kf,snap1,tbptt:20`).
 *
 * Tolerances as tests/gpu/experiment.gpu.test.ts (each step's loss within 2e-2 relative + 1e-5 absolute,
 * mean loss within 1e-3 relative, recovery within 1 percentage point, the same divergence step): UORO's and
 * KF-RTRL's signs come from the arm's own noise stream, drawn on the host exactly as the CPU estimator
 * draws them (src/gpu/batch.ts fillNoise), so the two engines differ by float32 rounding only. Observed on
 * SwiftShader (n = 8, 150 steps, 2 seeds): worst per-step loss 2.8e-3 relative, mean loss 4.5e-6 relative,
 * recovery 0.000 points. Needs laneFor (src/gpu/protocol.ts) to give each lane its arm's noiseRng. A lane given another noise stream than the CPU arm's would miss
 * these bounds by far (tests/gpu/baselines.gpu.test.ts shows two streams give different curves).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sparseArm, type ExperimentConfig } from '../../src/engine/config';
import { runExperiment } from '../../src/engine/experiment';
import type { LearningMethod } from '../../src/engine/methods';
import type { GpuContext } from '../../src/gpu/batch';
import { runExperimentGpu } from '../../src/gpu/experimentGpu';
import { runExperimentCli } from '../helpers/runCli';
import { shortConfig } from '../helpers/seedRun';
import { nodeContext } from './gpuHarness';

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await nodeContext();
});
afterAll(() => ctx?.device.destroy());

const ARMS: LearningMethod[] = [
  { kind: 'frozen' },
  { kind: 'readout' },
  { kind: 'full' },
  sparseArm(4, 'random'),
  { kind: 'uoro' },
  { kind: 'kf' },
  { kind: 'snap1' },
  { kind: 'tbptt', truncation: 20 },
];

function config(): ExperimentConfig {
  return shortConfig(300, { n: 8, arms: ARMS, seeds: [1, 2], adaptSteps: 150, metricsEvery: 50 });
}

it('runExperimentGpu with every arm gives the CPU engine’s curves, means, recoveries and ‖P‖ stand-ins', async () => {
  const c = config();
  const cpu = runExperiment(c);
  const gpu = await runExperimentGpu(ctx, c);
  expect(gpu.plan.waves).toHaveLength(1);
  let worstStep = 0;
  let worstMean = 0;
  let worstRecovery = 0;
  c.seeds.forEach((_, s) => {
    c.arms.forEach((_, a) => {
      const want = cpu.seeds[s].losses[a];
      const got = gpu.seeds[s].losses[a];
      for (let t = 0; t < c.adaptSteps; t++) {
        const err = Math.abs(got[t] - want[t]);
        if (Number.isFinite(want[t])) worstStep = Math.max(worstStep, err / Math.abs(want[t]));
        expect(err, `seed ${s} arm ${cpu.seeds[s].arms[a].label} step ${t}: GPU ${got[t]} CPU ${want[t]}`).toBeLessThanOrEqual(2e-2 * Math.abs(want[t]) + 1e-5);
      }
      const cw = cpu.seeds[s].arms[a];
      const gw = gpu.seeds[s].arms[a];
      expect(gw.label).toBe(cw.label);
      expect(gw.divergedAt).toBe(cw.divergedAt);
      worstMean = Math.max(worstMean, Math.abs(gw.meanLoss - cw.meanLoss) / cw.meanLoss);
      expect(Math.abs(gw.meanLoss - cw.meanLoss), `seed ${s} ${cw.label} mean loss`).toBeLessThanOrEqual(1e-3 * cw.meanLoss);
      if (Number.isFinite(cw.recovery)) {
        worstRecovery = Math.max(worstRecovery, Math.abs(gw.recovery - cw.recovery));
        expect(Math.abs(gw.recovery - cw.recovery), `seed ${s} ${cw.label} recovery`).toBeLessThanOrEqual(1);
      }
    });
    // ‖P‖, and UORO's ‖s‖·‖θ̃‖ and KF-RTRL's ‖u‖·‖A‖ in its place (NaN for frozen and TBPTT on both)
    cpu.seeds[s].sensitivityNorm.forEach((norms, a) =>
      norms.forEach((x, j) => {
        const y = gpu.seeds[s].sensitivityNorm[a][j];
        if (Number.isNaN(x)) expect(y).toBeNaN();
        else expect(Math.abs(y - x) / x, `seed ${s} arm ${a} sample ${j}: GPU ${y} CPU ${x}`).toBeLessThan(1e-3);
      }),
    );
  });
  cpu.arms.forEach((arm, a) => {
    if (Number.isFinite(arm.recovery.mean)) expect(Math.abs(gpu.arms[a].recovery.mean - arm.recovery.mean)).toBeLessThanOrEqual(1);
  });
  console.log(
    `all arms GPU vs CPU: worst per-step relative loss difference ${worstStep.toExponential(2)}, ` +
      `mean loss ${worstMean.toExponential(2)}, recovery ${worstRecovery.toFixed(3)} points`,
  );
});

it('npm run experiment -- --backend gpu --arms frozen,readout,full,k=4,uoro,kf,snap1,tbptt:20 prints the CPU’s table', async () => {
  const args = ['--n', '6', '--arms', 'frozen,readout,full,k=4,uoro,kf,snap1,tbptt:20', '--seeds', '2', '--pretrain', '200', '--adapt', '80', '--metrics-every', '0', '--threads', '1', '--json'];
  const [cpu, gpu] = await Promise.all([runExperimentCli(args, 240_000), runExperimentCli([...args, '--backend', 'gpu'], 240_000)]);
  expect(cpu.code, cpu.stderr).toBe(0);
  expect(gpu.code, gpu.stderr).toBe(0);
  // it ran on the GPU: no fallback to the CPU engine
  expect(gpu.stderr).not.toMatch(/falling back/);
  type Arm = { label: string; meanLoss: { mean: number }; recovery: { mean: number } | null };
  const want = JSON.parse(cpu.stdout) as { arms: Arm[] };
  const got = JSON.parse(gpu.stdout) as { arms: Arm[] };
  expect(got.arms.map((a) => a.label)).toEqual(['frozen', 'readout', 'full', 'k=4', 'uoro', 'kf', 'snap1', 'tbptt:20']);
  expect(got.arms.map((a) => a.label)).toEqual(want.arms.map((a) => a.label));
  want.arms.forEach((w, a) => {
    const g = got.arms[a];
    expect(Math.abs(g.meanLoss.mean - w.meanLoss.mean), `${w.label} mean loss: GPU ${g.meanLoss.mean} CPU ${w.meanLoss.mean}`).toBeLessThanOrEqual(1e-3 * w.meanLoss.mean);
    if (w.recovery === null) expect(g.recovery).toBeNull();
    else expect(Math.abs(g.recovery!.mean - w.recovery.mean), `${w.label} recovery: GPU ${g.recovery?.mean} CPU ${w.recovery.mean}`).toBeLessThanOrEqual(1);
  });
});
