/**
 * The recovery map and cost against quality in headless Chromium: the map job shows its progress and
 * cancels, then runs to the end at n = 8 and draws both heatmaps cell by cell (each cell's value in its
 * title); the frontier job draws a point per arm, the step line and the table; the SVG export lists the
 * new panels and writes them. Screenshots go to test-results/.
 */
import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cancelJob, downloadFrom, downloadText, expectStill, runJobToEnd, startJob } from './appPage';
import { appSuite, expectNoErrorsThenClose, type AppPage } from './appServer';

const OUT = 'test-results';
mkdirSync(OUT, { recursive: true });

const app = appSuite(false);

/** The app at small settings, its live run paused so the jobs have the CPU. */
async function openSmall(hash: string): Promise<AppPage> {
  const opened = await app.open(hash, { viewport: { width: 1280, height: 1000 }, acceptDownloads: true, points: 5 });
  await opened.page.click('[data-testid=play-pause]');
  await opened.page.waitForSelector('[data-testid=map-panel]', { timeout: 30_000 });
  return opened;
}

describe('recovery map and cost against quality', () => {
  it('the map job shows progress and cancels, then runs to the end and draws both maps cell by cell', { timeout: 400_000 }, async () => {
    const { page, errors } = await openSmall('#v=1&n=8&k=2&task=delay');
    const description = await page.textContent('[data-testid=map-description]');
    expect(description).toMatch(/k = 0, 1, 2, 4 \(up to n\/2\) × τ = 1, 2, 4, 8, 16/);
    expect(description).toMatch(/pretrains \d+ steps .* adapts \d+ steps/);
    const progress = await startJob(page, 'map');
    // 5 τ × 2 strategies × 3 seeds × 600 adaptation steps at n = 8
    await expect.poll(() => progress.textContent(), { timeout: 60_000 }).toMatch(/^[\d,]+ \/ 18,000 steps, ≈ \d+ s left/);
    await cancelJob(page, 'map');
    await expectStill(progress);

    const t0 = Date.now();
    await runJobToEnd(page, 'map', 300_000);
    console.log(`map job at n = 8: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    for (const strategy of ['random', 'top-k']) {
      const cells = page.locator(`[data-testid=map-${strategy}] [data-testid=map-cell]`);
      expect(await cells.count()).toBe(4 * 5);
      const states = await cells.evaluateAll((els) => els.map((e) => e.getAttribute('data-state')));
      expect(states.every((s) => s === 'value' || s === 'no-transport' || s === 'undefined')).toBe(true);
      const titles = await cells.evaluateAll((els) => els.map((e) => e.querySelector('title')?.textContent ?? ''));
      for (const t of titles)
        expect(t).toMatch(
          /^k = \d+, τ = \d+ \((random|top-k)\): (recovery beyond the readout -?\d+ %, 95 % CI \[-?\d+, -?\d+\] %, 3 seeds|no transport needed|undefined)/,
        );
      // a defined cell shows its mean as text and its value as data
      const values = await cells.evaluateAll((els) =>
        els.filter((e) => e.getAttribute('data-state') === 'value').map((e) => [e.getAttribute('data-value'), e.querySelector('text')?.textContent]),
      );
      for (const [v, text] of values) expect(text).toBe(String(Math.round(Number(v))));
    }
    expect(await page.locator('[data-testid=map-legend]').count()).toBe(2);
    await page.locator('[data-testid=map-panel]').screenshot({ path: `${OUT}/analysis-map.png` });
    // the SVG export offers each map as its own figure
    await page.focus('[data-testid=export-svg-choice]');
    const options = await page.locator('[data-testid=export-svg-choice] option').allTextContents();
    expect(options).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Recovery map: .*: random: /), expect.stringMatching(/^Recovery map: .*: top-k: /)]),
    );
    await expectNoErrorsThenClose(page, errors);
  });

  it('cost against quality: a point per arm on log multiply-adds, the frontier’s step line and the table', { timeout: 300_000 }, async () => {
    const { page, errors } = await openSmall('#v=1&n=8&k=2&task=delay');
    await runJobToEnd(page, 'frontier', 240_000);
    // readout-only, full, k = 0, 1, 2, 4, 8, SnAp-1, UORO, KF-RTRL, TBPTT(8): frozen is left out
    const rows = page.locator('[data-testid=frontier-table] tbody tr');
    expect(await rows.count()).toBe(11);
    const arms = await rows.locator('th').allTextContents();
    expect(arms).toEqual(expect.arrayContaining(['readout-only', 'full RTRL', 'k = 0', 'k = 8', 'SnAp-1', 'UORO', 'KF-RTRL', 'TBPTT(8)']));
    const points = page.locator('[data-testid=frontier-point]');
    expect(await points.count()).toBeGreaterThanOrEqual(9);
    const onFrontier = await points.evaluateAll((els) => els.filter((e) => e.getAttribute('data-on-frontier') === 'true').length);
    expect(onFrontier).toBeGreaterThanOrEqual(1);
    if (onFrontier > 1) expect(await page.locator('[data-testid=frontier-line]').count()).toBe(1);
    const mode = await page.getAttribute('[data-testid=frontier-chart]', 'data-mode');
    if (mode === 'loss') {
      expect(await page.textContent('[data-testid=frontier-undefined]')).toMatch(/undefined here: .*mean loss instead \(lower is better\)/);
      expect(await page.textContent('[data-testid=frontier-chart]')).toContain('lower is better');
    } else {
      expect(mode).toBe('beyond');
      expect(await page.textContent('[data-testid=frontier-chart]')).toContain('recovery beyond the readout (%)');
    }
    const title = await points.first().locator('title').textContent();
    expect(title).toMatch(/multiply-adds per step/);
    await page.locator('[data-testid=frontier-panel]').screenshot({ path: `${OUT}/analysis-frontier.png` });

    // the SVG export lists the new panels and writes the one chosen
    await page.focus('[data-testid=export-svg-choice]');
    const options = await page.locator('[data-testid=export-svg-choice] option').allTextContents();
    expect(options).toEqual(expect.arrayContaining([expect.stringMatching(/^Cost against quality/)]));
    const choice = await page.locator('[data-testid=export-svg-choice] option', { hasText: /^Cost against quality/ }).getAttribute('value');
    await page.selectOption('[data-testid=export-svg-choice]', choice!);
    const svg = await downloadText(await downloadFrom(page, '[data-testid=export-svg]'));
    expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(svg).toContain('data-testid="frontier-point"');
    await expectNoErrorsThenClose(page, errors);
  });

  it('where the task does not need transport, cost against quality plots mean loss and says why', { timeout: 300_000 }, async () => {
    // τ = 4 before and after the drift: nothing changes that the readout cannot follow
    const { page, errors } = await openSmall('#v=1&n=8&k=2&task=delay&delayA=4&delayB=4');
    await runJobToEnd(page, 'frontier', 240_000);
    expect(await page.getAttribute('[data-testid=frontier-chart]', 'data-mode')).toBe('loss');
    expect(await page.textContent('[data-testid=frontier-undefined]')).toMatch(
      /undefined here: the task does not need transport: .*mean loss instead \(lower is better\)/,
    );
    expect(await page.textContent('[data-testid=frontier-chart]')).toContain('mean loss L̄ (log, lower is better)');
    expect(await page.locator('[data-testid=frontier-table] tbody td:nth-child(3)', { hasText: 'undefined' }).count()).toBe(11);
    expect(await page.locator('[data-testid=frontier-point]').count()).toBe(11);
    await page.locator('[data-testid=frontier-panel]').screenshot({ path: `${OUT}/analysis-frontier-loss.png` });
    await expectNoErrorsThenClose(page, errors);
  });

  it('above n = 32 the map runs at n = 32, says why and shows the CLI commands for the lab’s n', { timeout: 120_000 }, async () => {
    const { page, errors } = await app.open('#v=1&n=64&k=4&task=delay&speed=1', { viewport: { width: 1280, height: 1000 } });
    await page.waitForSelector('[data-testid=run-map]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=map-description]')).toMatch(/k = 0, 1, 2, 4, 8, 16 \(up to n\/2\) .* n = 32,/);
    expect(await page.textContent('[data-testid=map-cap]')).toMatch(
      /^At most n = 32 on the CPU: the map runs at n = 32, not the lab’s n = 64: .* about \d+ s at n = 64 on the CPU/,
    );
    expect(await page.locator('[data-testid=map-cli] code').allTextContents()).toEqual([
      expect.stringMatching(/^npm run experiment -- --task delay .*--n 64 .*--strategy random --map k=0,1,2,4,8,16,32 tau=1,2,4,8,16 --seeds 3/),
      expect.stringMatching(/--strategy top-k /),
    ]);
    const progress = await startJob(page, 'map');
    // n = 32: 10 runs × 3 seeds × 600 steps
    await expect.poll(() => progress.textContent(), { timeout: 60_000 }).toMatch(/^[\d,]+ \/ 18,000 steps/);
    expect(await page.textContent('[data-testid=map-description]')).toMatch(/n = 32 \(the lab’s 64 is above the map’s 32\)/);
    await cancelJob(page, 'map');
    await expectNoErrorsThenClose(page, errors);
  });
});
