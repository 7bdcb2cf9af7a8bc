/** The claims suite at reduced sizes: every claim comes back with a number (or says why it was not run). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLAIMS, VERDICTS } from '../src/claims/claims';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('npm run claims -- --size reduced --json', () => {
  // the suite's reduced run takes about a minute alone; the ceiling is the child's own (a busy machine is slower)
  it('reports every claim of science.md §1 with a measured number and a verdict', { timeout: 320_000 }, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/claims.ts', '--size', 'reduced', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      size: string;
      precision: string;
      claims: { id: string; paper: string; measured: string; value: number | null; verdict: string; rule: string; settings: string }[];
    };
    expect(out.size).toBe('reduced');
    expect(out.precision).toBe('f32');
    expect(out.claims.map((c) => c.id)).toEqual(CLAIMS.map((c) => c.id));
    for (const c of out.claims) {
      expect(VERDICTS).toContain(c.verdict);
      expect(c.paper.length).toBeGreaterThan(0);
      expect(c.rule.length).toBeGreaterThan(0);
      if (c.verdict === 'not run') {
        expect(c.measured).toMatch(/not modelled|error/);
      } else if (c.verdict === 'undefined') {
        expect(c.measured).toMatch(/undefined/);
      } else {
        // every row names the settings its number depends on
        expect(c.settings).toMatch(/lr .*f(32|64).*seeds/);
        expect(Number.isFinite(c.value), `${c.id}: ${c.measured}`).toBe(true);
      }
    }
    // every claim runs, the transformer's included
    expect(out.claims.filter((c) => c.verdict === 'not run').map((c) => c.id)).toEqual([]);
    expect(out.claims.find((c) => c.id === 'transformers')!.measured).toMatch(/ρ = 0\.5/);
  });

  it('a bad option exits 2 with one line', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/claims.ts', '--size', 'huge'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('--size');
  });
});
