/**
 * The transformer in the app, in headless Chromium (Debian's, with SwiftShader): choosing it shows the
 * heads panel (H cells per layer), the head-fraction control changes which heads carry gradient and leaves
 * a marker, the GPU backend says in one line that the transformer runs on the CPU, no console errors.
 * A screenshot at 1440×900 with the heads panel in view goes to test-results/ (and /tmp).
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitForChartPoints } from './appPage';
import { appSuite, expectNoErrorsThenClose, waitForPoints } from './appServer';

const OUT = 'test-results';
mkdirSync(OUT, { recursive: true });

const app = appSuite(true);

/** Heads carrying gradient now, per layer (from the panel's cells). */
async function carrying(page: Page): Promise<number[]> {
  return page.$$eval('[data-testid=head-cell]', (cells) => {
    const per: number[] = [];
    for (const c of cells) {
      const l = Number(c.getAttribute('data-layer'));
      per[l] = (per[l] ?? 0) + Number(c.getAttribute('data-carrying'));
    }
    return per;
  });
}

describe('the transformer', () => {
  it('chosen in the controls: heads panel with H cells per layer, the head fraction changes the carrying heads and marks the curves', async () => {
    const { page, errors } = await app.open('#v=1&backend=cpu&speed=8', { viewport: { width: 1440, height: 900 }, points: 1 });
    // choose the transformer in the Experiment drawer (it restarts the run)
    await page.click('[data-testid=experiment-drawer] summary');
    await page.selectOption('#field-model', 'transformer');
    await expect.poll(() => page.url()).toContain('model=transformer');
    await expect.poll(() => page.locator('[data-testid=transformer-note]').count()).toBe(1);
    // k does not apply: its controls are gone
    expect(await page.locator('[data-testid=k-slider]').count()).toBe(0);
    // the heads panel: 1 layer × 4 heads
    await page.waitForSelector('[data-testid=heads-panel] [data-testid=head-cell]', { timeout: 120_000 });
    expect(await page.locator('[data-testid=heads-layer-0] [data-testid=head-cell]').count()).toBe(4);
    expect(await page.locator('[data-testid=heads-layer-1]').count()).toBe(0);
    // past the drift (150 lead-in steps) ρ = 0.5 keeps 2 of 4 heads
    await waitForPoints(page, 220, 180_000);
    await expect.poll(() => carrying(page), { timeout: 30_000 }).toEqual([2]);
    await expect.poll(() => page.textContent('[data-testid=legend]')).toContain('dense');
    const norms = await page.$$eval('[data-testid=head-norm]', (els) => els.map((e) => e.textContent));
    expect(norms.every((t) => t !== null && /\d/.test(t))).toBe(true);

    // the live control: ρ = 0.25 keeps one head, the link follows, the curves get a marker
    await page.click('[data-testid="head-fraction-0.25"]');
    await expect.poll(() => page.url()).toContain('headFraction=0.25');
    await expect.poll(() => page.getAttribute('[data-testid=loss-chart] canvas', 'aria-label')).toContain('ρ = 0.25 at step');
    await expect.poll(() => carrying(page), { timeout: 30_000 }).toEqual([1]);
    await expect.poll(() => page.textContent('[data-testid=heads-caption]')).toContain('ρ = 0.25 (1 of 4 heads)');

    const before = await waitForPoints(page, 1);
    await waitForPoints(page, before + 40);
    await page.locator('[data-testid=heads-panel]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT}/app-transformer-heads.png` });
    await page.screenshot({ path: '/tmp/app-transformer-heads.png' });
    await page.screenshot({ path: '/tmp/app-transformer-full.png', fullPage: true });
    await expectNoErrorsThenClose(page, errors);
  });

  it('the head-fraction sweep fills recovery vs ρ in the background, seed by seed', async () => {
    const { page, errors } = await app.open('#v=1&model=transformer&backend=cpu&speed=1', { viewport: { width: 1440, height: 900 } });
    await page.waitForSelector('[data-testid=run-sweep-heads]', { timeout: 120_000 });
    await page.click('[data-testid=run-sweep-heads]');
    // the first seed (pretraining, then 400 steps of five arms) gives a point for each ρ
    await waitForChartPoints(page, 'recovery-chart', 4, 240_000);
    const label = await page.getAttribute('[data-testid=recovery-chart]', 'aria-label');
    expect(label).toMatch(/ρ=0: -?\d+ %, ρ=0.25: -?\d+ %, ρ=0.5: -?\d+ %, ρ=1: 100 %/);
    console.log(`head-fraction sweep, first seed: ${label}`);
    await expectNoErrorsThenClose(page, errors);
  });

  it('backend=gpu: the transformer runs on the CPU engine and the page says so in one line', async () => {
    const { page, errors } = await app.open('#v=1&model=transformer&backend=gpu&speed=8', {
      viewport: { width: 1280, height: 900 },
      points: 5,
      timeout: 120_000,
    });
    const note = page.locator('[data-testid=engine-fallback-note]');
    await expect.poll(() => note.textContent(), { timeout: 30_000 }).toContain('the transformer runs on the CPU engine');
    expect(await page.getAttribute('[data-testid=backend-badge]', 'data-engine')).toBe('CPU');
    // the page speaks of the model shown: the story is the heads', the cost meter has no P, the hint names what the GPU runs
    const story = await page.textContent('[data-testid=story]');
    expect(story).toMatch(/heads/);
    expect(story).not.toMatch(/RTRL/);
    await page.waitForSelector('[data-testid=cost-memory-column]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=cost-memory-column]')).toBe('context window carried');
    const hint = await page.locator('#field-backend').locator('xpath=..').locator('small').textContent();
    expect(hint).toMatch(/for the RNN .*the transformer runs? on the CPU/);
    expect(hint).not.toMatch(/RNN only/);
    await expectNoErrorsThenClose(page, errors);
  });
});
