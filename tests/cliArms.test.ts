/**
 * The runner's --arms and --model: a bad value exits 2 with one line naming the option; a good list runs
 * those arms in that order (plus any --k arms), and --model lstm runs the LSTM.
 */
import { describe, expect, it } from 'vitest';
import { runExperimentCli } from './helpers/runCli';
import { parseExperimentArgs } from '../src/cli/experimentArgs';
import { ConfigError } from '../src/engine/config';

const cli = runExperimentCli;

const BAD: { args: string[]; option: string }[] = [
  { args: ['--arms', 'frozen,full,bogus'], option: '--arms' },
  { args: ['--arms', 'full,k=4'], option: '--arms' },
  { args: ['--n', '8', '--arms', 'frozen,full,k=99'], option: '--arms' },
  { args: ['--arms', 'frozen,full,tbptt:0'], option: '--arms' },
  { args: ['--arms', 'frozen,full,tbptt:'], option: '--arms' },
  { args: ['--arms', 'frozen,full,uoro,uoro'], option: '--arms' },
  { args: ['--arms'], option: '--arms' },
  { args: ['--model', 'gru'], option: '--model' },
];

describe('--arms and --model on the command line', () => {
  const bad = BAD.map(({ args }) => cli(args));
  const tiny = ['--seeds', '1', '--pretrain', '100', '--adapt', '20', '--threads', '1', '--json'];
  // rates at which full RTRL adapts clearly at these tiny sizes (else recovery is undefined, null in JSON)
  const rnn = cli(['--n', '5', '--arms', 'frozen,full,uoro,kf,snap1,tbptt:3', '--k', '1', '--lr', '1e-2', ...tiny]);
  const lstm = cli(['--model', 'lstm', '--n', '4', '--arms', 'frozen,full,k=2,uoro,kf,snap1,tbptt:4', '--lr', '1e-3', ...tiny]);

  BAD.forEach(({ args, option }, i) => {
    it(`${args.join(' ')}: exit 2, one line naming ${option}`, async () => {
      const r = await bad[i];
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith('error: ')).toBe(true);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(option);
      expect(r.stderr).not.toContain('    at ');
    });
  });

  type Out = { config: { model: string }; arms: { label: string; recovery: { mean: number }; diverged: number; macsPerStep: number }[] };

  it('runs the listed arms in order, then the --k arms', async () => {
    const r = await rnn;
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Out;
    expect(json.arms.map((a) => a.label)).toEqual(['frozen', 'full', 'uoro', 'kf', 'snap1', 'tbptt:3', 'k=1']);
    expect(json.arms[1].recovery.mean).toBe(100);
    expect(json.config.model).toBe('rnn');
    for (const a of json.arms) expect(a.diverged).toBe(0);
  });

  it('--model lstm runs the LSTM with every arm', async () => {
    const r = await lstm;
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as Out;
    expect(json.config.model).toBe('lstm');
    expect(json.arms.map((a) => a.label)).toEqual(['frozen', 'full', 'k=2', 'uoro', 'kf', 'snap1', 'tbptt:4']);
    expect(json.arms[1].recovery.mean).toBe(100);
    // LSTM full RTRL at n = 4, m = 1: 2·n·n·p + 3·n·p with p = 4n(n+m+1) = 96
    expect(json.arms[1].macsPerStep).toBe(2 * 4 * 4 * 96 + 3 * 4 * 96);
  });
});

describe('parseExperimentArgs', () => {
  it('without --arms, --k still defines the sparse arms (default 0,1,4) and the model is the RNN', () => {
    expect(parseExperimentArgs([]).config.arms.map((a) => (a.kind === 'sparse' ? `k=${a.k}` : a.kind))).toEqual([
      'frozen',
      'readout',
      'full',
      'k=0',
      'k=1',
      'k=4',
    ]);
    expect(parseExperimentArgs(['--k', '2']).config.arms).toHaveLength(4);
    expect(parseExperimentArgs([]).config.model).toBe('rnn');
  });

  it('--arms with --k skips the k already listed; sparse arms take --strategy', () => {
    const { config } = parseExperimentArgs(['--arms', 'frozen,full,k=4', '--k', '4,8', '--strategy', 'top-k']);
    const labels = config.arms.map((a) => (a.kind === 'sparse' ? `k=${a.k}:${a.strategy}` : a.kind));
    expect(labels).toEqual(['frozen', 'full', 'k=4:top-k', 'k=8:top-k']);
  });

  it('a bad arm is a ConfigError naming --arms', () => {
    expect(() => parseExperimentArgs(['--arms', 'frozen,full,k=1.5'])).toThrow(ConfigError);
    expect(() => parseExperimentArgs(['--arms', 'frozen,full,tbptt:-3'])).toThrow(/--arms/);
  });
});
