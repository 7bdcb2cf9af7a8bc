/**
 * The app in headless Chromium (Debian's, with SwiftShader): it starts training by itself and draws,
 * names its backend honestly, puts every setting in the link, survives malformed links, and falls back
 * to the CPU with a banner when there is no WebGPU. Screenshots and the time to the first drawn point
 * are written to test-results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectErrors, launchChromium, openPage, startAppServer, waitForPoints } from './appServer';

const OUT = 'test-results';
mkdirSync(OUT, { recursive: true });

let server: ViteDevServer;
let url: string;

beforeAll(async () => {
  ({ server, url } = await startAppServer());
});
afterAll(async () => {
  await server?.close();
});

describe('with WebGPU (SwiftShader)', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(true);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('starts by itself, names the adapter, and draws the curves', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    const t0 = Date.now();
    await page.goto(url);
    await waitForPoints(page, 1);
    const firstPointMs = Date.now() - t0;
    await expect.poll(() => page.textContent('[data-testid=backend-badge]'), { timeout: 30_000 }).toMatch(/swiftshader/i);
    // it keeps going on its own: the curve grows past the drift (150 lead-in steps)
    await waitForPoints(page, 200);
    const legend = await page.textContent('[data-testid=legend]');
    expect(legend).toContain('full RTRL');
    expect(legend).toMatch(/recovery -?\d+ %/);
    const inPage = await page.evaluate(() => document.querySelector('[data-testid=run-line]')?.getAttribute('data-status'));
    expect(inPage).toBe('running');
    await page.screenshot({ path: `${OUT}/app-main.png`, fullPage: true });
    writeFileSync(`${OUT}/time-to-first-curve.json`, JSON.stringify({ firstPointMs, browser: 'chromium (SwiftShader)', note: 'page navigation to first drawn point' }, null, 2));
    console.log(`time to first drawn point: ${firstPointMs} ms`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('backend=gpu runs the RNN arms on WebGPU in the worker: the badge names the engine and the curves draw past the drift', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=8&k=2&backend=gpu');
    await expect.poll(() => page.getAttribute('[data-testid=backend-badge]', 'data-engine'), { timeout: 60_000 }).toMatch(/^WebGPU · .*swiftshader/i);
    await waitForPoints(page, 200, 120_000);
    const badge = await page.textContent('[data-testid=backend-badge]');
    expect(badge).toMatch(/^GPU/);
    expect(badge).not.toContain('CPU');
    expect(await page.locator('[data-testid=engine-fallback-note]').count()).toBe(0);
    // full RTRL is the reference of the recovery: 100 % by definition, from the GPU's losses
    await expect.poll(() => page.locator('[data-testid=legend] li', { hasText: 'full RTRL' }).textContent()).toContain('recovery 100 %');
    await page.screenshot({ path: `${OUT}/app-gpu.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('backend=auto on a software adapter (SwiftShader) stays on the CPU engine and says why', async () => {
    const page = await openPage(browser);
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=8&k=2&backend=auto');
    await waitForPoints(page, 5);
    await expect.poll(() => page.locator('[data-testid=engine-fallback-note]').textContent()).toMatch(/software fallback/);
    expect(await page.getAttribute('[data-testid=backend-badge]', 'data-engine')).toBe('CPU');
    expect(await page.textContent('[data-testid=backend-badge] strong')).toBe('CPU');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('changing k updates the link and the curves, and the link reproduces the configuration', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=16&k=2&seed=3&speed=8');
    await waitForPoints(page, 200);
    const k = page.getByLabel('Kept paths per unit k');
    await k.fill('8');
    await k.press('Enter');
    await expect.poll(() => page.url()).toContain('k=8');
    await expect.poll(() => page.textContent('[data-testid=legend]')).toContain('k = 8');
    // the change is marked on the curves: the chart's text summary lists the marker
    await expect.poll(() => page.getAttribute('[data-testid=loss-chart] canvas', 'aria-label')).toContain('k = 8 at step');
    const before = await waitForPoints(page, 1);
    await waitForPoints(page, before + 20);
    const link = page.url();
    expect(link).toContain('n=16');
    expect(link).toContain('seed=3');

    const fresh = await openPage(browser);
    const freshErrors = collectErrors(fresh);
    await fresh.goto(link);
    await waitForPoints(fresh, 1);
    expect(await fresh.inputValue('#field-k')).toBe('8');
    expect(await fresh.inputValue('#field-n')).toBe('16');
    expect(await fresh.inputValue('#field-seed')).toBe('3');
    expect(fresh.url()).toBe(link);
    expect(await fresh.locator('[data-testid=ignored-link-notice]').count()).toBe(0);
    expect([...errors, ...freshErrors]).toEqual([]);
    await page.close();
    await fresh.close();
  });

  it('refuses an out-of-range k typed into the control, with a message, and keeps the run', async () => {
    const page = await openPage(browser);
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=8&k=2');
    await waitForPoints(page, 10);
    const k = page.getByLabel('Kept paths per unit k');
    await k.fill('99');
    await k.press('Enter');
    await expect.poll(() => page.textContent('#field-k-hint')).toContain('k must be');
    expect(page.url()).toContain('k=2');
    expect(errors).toEqual([]);
    await page.close();
  });

  const MALFORMED: { name: string; hash: string; ignored: RegExp | null }[] = [
    { name: 'wrong types', hash: '#v=1&n=abc&k=x&lr=fast&rescale=maybe', ignored: /n=abc/ },
    { name: 'out of range', hash: '#v=1&n=100000&k=-3&leak=7&speed=0', ignored: /n=100000/ },
    { name: 'k above n', hash: '#v=1&n=8&k=9', ignored: /k=9/ },
    { name: 'unknown task and strategy', hash: '#v=1&task=mnist&strategy=best', ignored: /task=mnist/ },
    { name: 'truncated', hash: '#v=1&n=6', ignored: null },
    { name: 'truncated mid-field', hash: '#v=1&task=sin', ignored: /task=sin/ },
    { name: 'random bytes', hash: '#%E2%82%AC%00%FF%%%41&&==&n=%ZZ', ignored: /./ },
    { name: 'future version', hash: '#v=9&n=12', ignored: /v=9/ },
  ];
  for (const { name, hash, ignored } of MALFORMED) {
    it(`a malformed link (${name}) loads with defaults for what is wrong and says so`, async () => {
      const page = await openPage(browser);
      const errors = collectErrors(page);
      await page.goto(url + hash);
      await waitForPoints(page, 5);
      const notice = page.locator('[data-testid=ignored-link-notice]');
      if (ignored) await expect.poll(() => notice.textContent()).toMatch(ignored);
      else expect(await notice.count()).toBe(0);
      // what was right is kept
      if (hash.includes('n=6')) expect(await page.inputValue('#field-n')).toBe('6');
      if (hash.includes('n=12')) expect(await page.inputValue('#field-n')).toBe('12');
      // the link is rewritten to the configuration actually running
      expect(page.url()).toMatch(/#v=1&task=/);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});

describe('without WebGPU', () => {
  it('runs on the CPU engine with a banner that says why, and no console errors', async () => {
    const browser = await launchChromium(false);
    const page = await openPage(browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    await page.goto(url);
    await waitForPoints(page, 200);
    await expect.poll(() => page.locator('[data-testid=no-webgpu-banner]').textContent()).toMatch(/WebGPU is unavailable/);
    expect(await page.textContent('[data-testid=backend-badge]')).toContain('CPU');
    await page.screenshot({ path: `${OUT}/app-no-webgpu.png`, fullPage: true });
    expect(errors).toEqual([]);
    await browser.close();
  });
});

describe('analysis panels, presenter mode and accessibility', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(true);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the spectra, fidelity, kept paths and cost panels fill in with live numbers', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=16&k=4&speed=8');
    await waitForPoints(page, 300);
    await expect.poll(async () => Number(await page.textContent('[data-testid=jacobian-condition]')), { timeout: 30_000 }).toBeGreaterThan(1);
    await expect.poll(async () => Number(await page.textContent('[data-testid=cosine-k]')), { timeout: 30_000 }).toBeGreaterThan(-1.01);
    expect(await page.locator('[data-testid=cost-meter] tbody tr').count()).toBe(4);
    // hovering a kept-path cell reads out the entry and the row's kept set
    const canvas = page.locator('[data-testid=kept-paths-canvas]');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await canvas.hover({ position: { x: box.width * 0.5, y: box.height * 0.1 } });
    await expect.poll(() => page.textContent('[data-testid=kept-hover]')).toMatch(/W\[\d+, \d+\] = .*row \d+ keeps \{(\d+, ){3}\d+\}/);
    await page.screenshot({ path: `${OUT}/app-analysis.png`, fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('presenter mode hides the controls and stays in the link', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 800 } });
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=12&present=1');
    await waitForPoints(page, 5);
    expect(await page.locator('form.controls').count()).toBe(0);
    expect(await page.getAttribute('.app', 'data-presenter')).toBe('true');
    expect(page.url()).toContain('present=1');
    expect(await page.locator('[data-testid=ignored-link-notice]').count()).toBe(0);
    await page.screenshot({ path: `${OUT}/app-presenter.png` });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('an axe scan of the main view finds no serious or critical violations', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 1000 } });
    await page.goto(url + '#v=1&n=12');
    await waitForPoints(page, 50);
    await page.addScriptTag({ path: 'node_modules/axe-core/axe.min.js' });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe;
      const r = await axe.run(document);
      return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
    });
    expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);
    await page.close();
  });

  it('at a phone’s width nothing overflows sideways', async () => {
    const page = await openPage(browser, { viewport: { width: 390, height: 844 } });
    await page.goto(url + '#v=1&n=12');
    await waitForPoints(page, 5);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.screenshot({ path: `${OUT}/app-phone.png`, fullPage: true });
    await page.close();
  });
});

describe('recovery sweep and export', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(true);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('the recovery-vs-k sweep fills in point by point', async () => {
    const page = await openPage(browser, { viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=8&k=2');
    await waitForPoints(page, 5);
    await page.click('[data-testid=run-sweep]');
    // n = 8: k in 0, 1, 2, 4, 8 → five points once the first seed is done
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=recovery-chart]', 'data-points')), { timeout: 120_000 }).toBe(5);
    const label = await page.getAttribute('[data-testid=recovery-chart]', 'aria-label');
    expect(label).toMatch(/k=0: -?\d+ %, k=1: -?\d+ %/);
    // k = n is full RTRL: 100 %
    expect(label).toContain('k=8: 100 %');
    // recovery vs n at fixed k: n = 16, 32, 64 with k = 2
    await page.click('[data-testid=run-sweep-n]');
    await expect.poll(async () => Number(await page.getAttribute('[data-testid=recovery-chart]', 'data-points')), { timeout: 240_000 }).toBe(3);
    expect(await page.getAttribute('[data-testid=recovery-chart]', 'aria-label')).toMatch(/n=16: -?\d+ %, n=32: -?\d+ %, n=64: -?\d+ %/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('exported JSON and CSV parse and hold the run', async () => {
    const page = await openPage(browser, { acceptDownloads: true });
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=10&k=3&seed=2');
    await waitForPoints(page, 200);
    await page.click('[data-testid=play-pause]'); // pause so the files and the page agree
    await page.waitForTimeout(500); // let an advance already in flight land
    const [jsonDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-json]')]);
    const json = JSON.parse(await streamText(await jsonDownload.createReadStream()));
    expect(json.app).toBe('sparse-rtrl-lab');
    expect(json.settings).toMatchObject({ n: 10, k: 3, seed: 2 });
    expect(json.arms.map((a: { id: string }) => a.id)).toEqual(['frozen', 'full', 'k0', 'k']);
    expect(json.arms[1].recovery).toBe(100);
    expect(json.arms[0].loss.length).toBeGreaterThanOrEqual(200);
    expect(json.markers[0]).toEqual({ step: 150, label: 'drift' });
    const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-csv]')]);
    const csv = (await streamText(await csvDownload.createReadStream())).trim().split('\n');
    expect(csv[0]).toContain('k=3');
    expect(csv[1]).toBe('step,loss frozen,loss full RTRL,loss k = 0,loss k = 3');
    expect(csv.length - 2).toBe(json.arms[0].loss.length);
    const row = csv[2].split(',').map(Number);
    expect(row[0]).toBe(0);
    expect(row[1]).toBeCloseTo(json.arms[0].loss[0], 6);
    const [png] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-png]')]);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
    expect(errors).toEqual([]);
    await page.close();
  });
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

describe('claim presets', () => {
  it('each preset configures the run with one click and produces its live measurement', async () => {
    const browser = await launchChromium(true);
    const page = await openPage(browser, { viewport: { width: 1280, height: 1000 } });
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=8');
    await waitForPoints(page, 5);
    const presets = ['k4-recovers', 'k4-scales', 'selection-invariant', 'step-at-k1', 'jacobian-isotropic', 'lorenz-stable', 'neural-decoding', 'sgd', 'needs-continuous-error'];
    for (const id of presets) {
      await page.locator(`[data-testid=claim-${id}] button`).click();
      await expect.poll(() => page.url()).toContain(`claim=${id}`);
      await expect.poll(() => page.textContent(`[data-testid=claim-${id}-measured]`), { timeout: 120_000 }).toMatch(/\d/);
      expect(await page.textContent(`[data-testid=claim-${id}-verdict]`)).toMatch(/^(holds|does not hold|running)$/);
    }
    expect(await page.textContent('[data-testid=claim-transformers-verdict]')).toBe('not modelled');
    // the link carries the claim: a fresh page shows the same preset
    const fresh = await openPage(browser);
    await fresh.goto(page.url());
    await waitForPoints(fresh, 1);
    expect(await fresh.getAttribute('[data-testid=claim-needs-continuous-error]', 'class')).toBe('active');
    expect(await fresh.inputValue('#field-task')).toBe('adding');
    await page.screenshot({ path: `${OUT}/app-claims.png`, fullPage: true });
    expect(errors).toEqual([]);
    await browser.close();
  });
});

describe('guided tour', () => {
  it('shows on a first visit, steps through, and stays away once done', async () => {
    const browser = await launchChromium(true);
    const page = await browser.newPage(); // no init script: a first-time visitor
    const errors = collectErrors(page);
    await page.goto(url + '#v=1&n=8');
    await waitForPoints(page, 1);
    const tour = page.locator('[data-testid=tour]');
    await expect.poll(() => tour.textContent()).toContain('(1/4)');
    for (let i = 0; i < 3; i++) await tour.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => tour.textContent()).toContain('(4/4)');
    await tour.getByRole('button', { name: 'Done' }).click();
    expect(await tour.count()).toBe(0);
    await page.reload();
    await waitForPoints(page, 1);
    expect(await page.locator('[data-testid=tour]').count()).toBe(0);
    expect(errors).toEqual([]);
    await browser.close();
  });
});
