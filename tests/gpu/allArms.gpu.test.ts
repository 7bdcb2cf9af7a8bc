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
import { expect, it } from 'vitest';
import { sparseArm, type ExperimentConfig } from '../../src/engine/config';
import type { LearningMethod } from '../../src/engine/methods';
import type { GpuContext } from '../../src/gpu/batch';
import { runExperimentCli } from '../helpers/runCli';
import { shortConfig } from '../helpers/seedRun';
import { expectGpuExperiment } from './compare';
import { deviceForFile } from './gpuHarness';

let ctx: GpuContext;
deviceForFile((c) => (ctx = c));

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
  // ‖P‖, and UORO's ‖s‖·‖θ̃‖ and KF-RTRL's ‖u‖·‖A‖ in its place (NaN for frozen and TBPTT on both)
  await expectGpuExperiment('all arms', ctx, config());
});

it('npm run experiment -- --backend gpu --arms frozen,readout,full,k=4,uoro,kf,snap1,tbptt:20 prints the CPU’s table', async () => {
  const args = [
    '--n',
    '6',
    '--arms',
    'frozen,readout,full,k=4,uoro,kf,snap1,tbptt:20',
    '--seeds',
    '2',
    '--pretrain',
    '200',
    '--adapt',
    '80',
    '--metrics-every',
    '0',
    '--threads',
    '1',
    '--json',
  ];
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
    expect(Math.abs(g.meanLoss.mean - w.meanLoss.mean), `${w.label} mean loss: GPU ${g.meanLoss.mean} CPU ${w.meanLoss.mean}`).toBeLessThanOrEqual(
      1e-3 * w.meanLoss.mean,
    );
    if (w.recovery === null) expect(g.recovery).toBeNull();
    else expect(Math.abs(g.recovery!.mean - w.recovery.mean), `${w.label} recovery: GPU ${g.recovery?.mean} CPU ${w.recovery.mean}`).toBeLessThanOrEqual(1);
  });
});
