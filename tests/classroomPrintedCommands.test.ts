/**
 * Every CLI command the lab prints at the end of a run runs: one per model (RNN, LSTM, transformer) and
 * per task kind (plain, the delay task's τ, the adding problem's length), built by the same function the
 * summary uses, at tiny sizes (one seed, a few steps) so the whole file stays quick.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARAMS, type LabParams } from '../src/app/labParams';
import { cliArgs, cliCommand } from '../src/app/page/cliCommand';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TINY = { adapt: 12, seeds: 1, pretrain: 40 };

const CASES: [string, Partial<LabParams>][] = [
  ['RNN, sine', { model: 'rnn', task: 'sine', n: 8, k: 2 }],
  [
    'RNN, delay τ 4 → 2, top-k, refresh and rescale',
    { model: 'rnn', task: 'delay', delayA: 4, delayB: 2, n: 8, k: 2, strategy: 'top-k', refresh: 5, rescale: true },
  ],
  ['RNN, adding problem T = 10, SGD', { model: 'rnn', task: 'adding', length: 10, n: 8, k: 1, optimizer: 'sgd', lr: 0.01 }],
  ['LSTM, sine', { model: 'lstm', task: 'sine', n: 8, k: 2 }],
  ['transformer, ρ = 0.5', { model: 'transformer', task: 'sine', headFraction: 0.5 }],
  ['transformer, dense only (ρ = 1)', { model: 'transformer', task: 'sine', headFraction: 1 }],
];

describe('the commands the lab prints', () => {
  for (const [name, change] of CASES) {
    it(`${name}: runs and prints its table`, () => {
      const p: LabParams = { ...DEFAULT_PARAMS, ...change };
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/experiment.ts', ...cliArgs(p, TINY)], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(r.status, `${cliCommand(p, TINY)}\n${r.stderr}`).toBe(0);
      expect(r.stdout.length).toBeGreaterThan(0);
    });
  }

  it('the transformer’s command names its head fractions, not the recurrent options the CLI refuses for it', () => {
    const command = cliCommand({ ...DEFAULT_PARAMS, model: 'transformer', headFraction: 0.5 });
    expect(command).toContain('--model transformer --head-fraction 1,0.5');
    for (const option of ['--n ', '--k ', '--strategy', '--leak']) expect(command).not.toContain(option);
    expect(command).toMatch(/--adapt \d+ --seeds 5$/);
  });

  it('the recurrent models’ commands carry n, k (with k = 0 beside it) and the lab’s own run length', () => {
    const command = cliCommand({ ...DEFAULT_PARAMS, model: 'lstm', n: 32, k: 4, adapt: 300 });
    expect(command).toMatch(/^npm run experiment -- --task sine --model lstm --n 32 --k 0,4 .*--adapt 300 --seeds 5$/);
  });
});
