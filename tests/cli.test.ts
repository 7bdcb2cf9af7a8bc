/**
 * The headless runner end to end: a bad option exits 2 with one line that names it (no stack trace),
 * --help exits 0, and a tiny run prints JSON with the expected arms and full recovery = 100 %.
 */
import { describe, expect, it } from 'vitest';
import { runExperimentCli } from './helpers/runCli';

const cli = runExperimentCli;

const BAD: { args: string[]; option: string }[] = [
  { args: ['--n', '1000'], option: '--n' },
  { args: ['--n', 'abc'], option: '--n' },
  { args: ['--n', '64', '--k', '0,99'], option: '--k' },
  { args: ['--k', '0,2,2', '--n', '8'], option: '--k' },
  { args: ['--task', 'nope'], option: '--task' },
  { args: ['--bogus'], option: '--bogus' },
  { args: ['--lr', '-1'], option: '--lr' },
  { args: ['--lr=-1'], option: '--lr' },
  { args: ['--lr', '2'], option: '--lr' },
  { args: ['--leak', '0'], option: '--leak' },
  { args: ['--seeds', '0'], option: '--seeds' },
  { args: ['stray'], option: 'stray' },
];

describe('experiment CLI', () => {
  // start every process at once; each test awaits its own
  const bad = BAD.map(({ args }) => cli(args));
  const help = cli(['--help']);
  // lr 1e-3: at this tiny size full RTRL adapts clearly (the reference must improve for recovery to exist)
  const tiny = cli(['--n', '6', '--k', '0,2', '--seeds', '1', '--pretrain', '100', '--adapt', '20', '--lr', '1e-3', '--json']);
  const twoSeeds = ['--n', '6', '--k', '1', '--seeds', '2', '--pretrain', '100', '--adapt', '30', '--json'];
  const sequential = cli([...twoSeeds, '--threads', '1']);
  const parallel = cli([...twoSeeds, '--threads', '2']);

  BAD.forEach(({ args, option }, i) => {
    it(`${args.join(' ')}: exit 2, one line naming ${option}, no stack trace`, async () => {
      const r = await bad[i];
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.startsWith('error: ')).toBe(true);
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toContain(option);
      expect(r.stderr).not.toContain('    at ');
      expect(r.stderr).not.toMatch(/Error:|TypeError/);
    });
  });

  it('--help exits 0 and prints the usage', async () => {
    const r = await help;
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('usage:')).toBe(true);
    for (const o of ['--task', '--n', '--k', '--strategy', '--refresh', '--lr', '--seeds', '--json']) expect(r.stdout).toContain(o);
    expect(r.stderr).toBe('');
  });

  it('a tiny run prints JSON with frozen, readout, full, k=0, k=2 and full recovery 100', async () => {
    const r = await tiny;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('error');
    const json = JSON.parse(r.stdout) as {
      config: { n: number; seeds: number[]; adaptSteps: number };
      arms: { label: string; recovery: { mean: number; count: number }; diverged: number }[];
      seeds: { seed: number; arms: { label: string; recovery: number }[] }[];
    };
    expect(json.arms.map((a) => a.label)).toEqual(['frozen', 'readout', 'full', 'k=0', 'k=2']);
    const full = json.arms.find((a) => a.label === 'full')!;
    expect(full.recovery.mean).toBe(100);
    expect(full.recovery.count).toBe(1);
    expect(json.arms.find((a) => a.label === 'frozen')!.recovery.mean).toBe(0);
    for (const a of json.arms) expect(a.diverged).toBe(0);
    expect(json.config.n).toBe(6);
    expect(json.config.seeds).toEqual([1]);
    expect(json.config.adaptSteps).toBe(20);
    expect(json.seeds).toHaveLength(1);
    expect(json.seeds[0].arms.find((a) => a.label === 'full')!.recovery).toBe(100);
  });

  it('seeds in worker threads give the same numbers as one thread', async () => {
    const [a, b] = await Promise.all([sequential, parallel]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    type Out = { seeds: { seed: number; arms: { label: string; meanLoss: number; recovery: number }[] }[] };
    const strip = (o: Out) => o.seeds.map((s) => ({ seed: s.seed, arms: s.arms.map(({ label, meanLoss, recovery }) => ({ label, meanLoss, recovery })) }));
    const sa = strip(JSON.parse(a.stdout) as Out);
    expect(sa.map((s) => s.seed)).toEqual([1, 2]);
    expect(strip(JSON.parse(b.stdout) as Out)).toEqual(sa);
  });
});
