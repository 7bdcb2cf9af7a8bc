/**
 * `npm run experiment -- --model transformer`: recovery rows for each head fraction against the dense
 * arm, with the RNN's statistics; bad transformer values and recurrent-only options give one line, exit 2.
 */
import { describe, expect, it } from 'vitest';
import { itRejectsEach, rejectionCases, runExperimentCli } from './helpers/runCli';

describe('experiment CLI --model transformer', () => {
  const run = runExperimentCli(
    [
      '--model',
      'transformer',
      '--task',
      'sine',
      '--heads',
      '4',
      '--head-fraction',
      '1,0.5,0.25',
      '--seeds',
      '2',
      '--pretrain',
      '60',
      '--adapt',
      '40',
      '--threads',
      '1',
      '--json',
    ],
    120_000,
  );
  const BAD = rejectionCases({
    '--head-fraction': ['--model transformer --head-fraction 1.5'],
    '--heads': ['--model transformer --heads 3', '--heads 4'],
    '--context': ['--model transformer --context 0'],
    '--k': ['--model transformer --k 4'],
    '--backend': ['--model transformer --backend gpu'],
  });
  const bad = BAD.map(([args]) => runExperimentCli(args));

  it('prints recovery rows for frozen, dense and each fraction, with CIs and the reference', async () => {
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.model).toBe('transformer');
    expect(json.arms.map((a: { label: string }) => a.label)).toEqual(['frozen', 'readout', 'dense', 'rho=0.5', 'rho=0.25']);
    expect(json.seeds).toEqual([1, 2]);
    expect(json.reference.improvement.count).toBe(2);
    for (const a of json.arms) {
      expect(a.macsPerStep).toBeGreaterThan(0);
      if (a.recovery !== null) expect(a.recovery.ci95).toHaveLength(2);
      else expect(a.recoveryUndefined).toMatch(/did not adapt/);
      expect(a).toHaveProperty('recoveryBeyondReadout');
    }
    const dense = json.arms.find((a: { label: string }) => a.label === 'dense');
    if (dense.recovery !== null) expect(dense.recovery.mean).toBe(100);
    // fewer heads carrying gradient cost less per step
    const macs = (label: string) => json.arms.find((a: { label: string }) => a.label === label).macsPerStep;
    expect(macs('dense')).toBeGreaterThan(macs('rho=0.5'));
    expect(macs('rho=0.5')).toBeGreaterThan(macs('rho=0.25'));
  });

  itRejectsEach(BAD, bad);
});
