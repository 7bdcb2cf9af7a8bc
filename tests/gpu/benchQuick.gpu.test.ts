/**
 * `npm run bench:gpu -- --quick --json` runs to the end on whatever adapter is present (SwiftShader here)
 * and prints the figures the GPU benchmark promises. Only the shape is checked: speed is never a test.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('bench:gpu --quick --json', () => {
  it('completes and reports kernels against the copy and matmul yardsticks, the CPU engine and TF.js', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-gpu.ts', '--quick', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.complete).toBe(true);
    expect(out.quick).toBe(true);
    expect(typeof out.adapter.description).toBe('string');
    expect(out.sizes.length).toBeGreaterThan(0);
    for (const size of out.sizes) {
      expect(size.oneArm.length).toBeGreaterThan(0);
      for (const arm of size.oneArm) expect(arm.stepsPerSecond).toBeGreaterThan(0);
      expect(size.kernels).toBeTruthy();
      expect(size.cpu).toBeTruthy();
    }
    expect(out.tfjs.sizes.length).toBeGreaterThan(0);
  }, 300_000);
});
