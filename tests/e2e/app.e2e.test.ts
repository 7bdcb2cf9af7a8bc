/**
 * The app in headless Chromium (Debian's, with SwiftShader): it starts training by itself and draws,
 * names its backend honestly, puts every setting in the link, survives malformed links, and falls back
 * to the CPU with a banner when there is no WebGPU. Screenshots and the time to the first drawn point
 * are written to test-results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cancelJob, chartPoints, downloadBytes, downloadFrom, downloadText, expectStill, startJob } from './appPage';
import { collectErrors, expectNoErrorsThenClose, openApp, openPage, useAppBrowser, useAppServer, waitForPoints } from './appServer';

const OUT = 'test-results';
mkdirSync(OUT, { recursive: true });

const server = useAppServer();

describe('with WebGPU (SwiftShader)', () => {
  const app = useAppBrowser(server, true);

  it('starts by itself, names the adapter, and draws the curves', async () => {
    const page = await openPage(app.browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    const t0 = Date.now();
    await page.goto(app.url);
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
    writeFileSync(
      `${OUT}/time-to-first-curve.json`,
      JSON.stringify({ firstPointMs, browser: 'chromium (SwiftShader)', note: 'page navigation to first drawn point' }, null, 2),
    );
    console.log(`time to first drawn point: ${firstPointMs} ms`);
    await expectNoErrorsThenClose(page, errors);
  });

  it('backend=gpu runs the RNN arms on WebGPU in the worker: the badge names the engine and the curves draw past the drift', async () => {
    const { page, errors } = await app.open('#v=1&n=8&k=2&backend=gpu', { viewport: { width: 1280, height: 900 } });
    await expect.poll(() => page.getAttribute('[data-testid=backend-badge]', 'data-engine'), { timeout: 60_000 }).toMatch(/^WebGPU · .*swiftshader/i);
    await waitForPoints(page, 200, 120_000);
    // what the badge shows (its tooltip's text, also in the badge for screen readers, may say why the CPU would be faster)
    const badge = (await page.locator('[data-testid=backend-badge] > :not(.visually-hidden)').allTextContents()).join(' ');
    expect(badge).toMatch(/^GPU/);
    expect(badge).not.toContain('CPU');
    expect(await page.locator('[data-testid=engine-fallback-note]').count()).toBe(0);
    // recovery of the k arm, read against full RTRL from the GPU's losses, with the reference's own improvement
    await expect.poll(() => page.locator('[data-testid=legend] li[data-arm=k]').textContent()).toMatch(/recovery (-?\d+ %|undefined)/);
    await expect.poll(() => page.textContent('[data-testid=recovery-note]')).toMatch(/One seed|undefined/);
    // the task strip draws each arm's prediction after the drift on the GPU path too
    await expect
      .poll(async () => Number((await page.getAttribute('[data-testid=task-strip] canvas', 'data-adapted-predictions')) ?? 0), { timeout: 30_000 })
      .toBeGreaterThan(0);
    // the badge's tooltip: a software adapter named as such, the sparse kernel chosen for it and why, the timing source
    const title = (await page.getAttribute('[data-testid=backend-badge]', 'title')) ?? '';
    expect(title).toMatch(/software adapter/);
    expect(title).toMatch(/Sparse transport: scalar, barrier-free \(software adapter/);
    expect(title).toMatch(/Kernel timing: (timestamp queries|submit-to-done)/);
    expect(await page.getAttribute('[data-testid=backend-badge]', 'data-software')).toBe('true');
    // the cost meter: the GPU's measured time per step, saying how it was timed
    const timings = page.locator('[data-testid=gpu-timings]');
    await expect.poll(() => timings.getAttribute('data-source'), { timeout: 30_000 }).toMatch(/^(timestamp-query|submit-to-done)$/);
    await expect
      .poll(() => page.textContent('[data-testid=gpu-ms-per-step]'), { timeout: 30_000 })
      .toMatch(/(ms|µs) per step for all arms together, over \d+ (timed )?steps?: (the sum of the kernels|wall time from a chunk)/);
    if ((await timings.getAttribute('data-source')) === 'timestamp-query')
      expect(await page.locator('[data-testid=gpu-kernels] tbody tr').count()).toBeGreaterThan(0);
    await page.locator('[data-testid=cost-meter]').screenshot({ path: `${OUT}/app-gpu-cost-meter.png` });
    await page.screenshot({ path: `${OUT}/app-gpu.png`, fullPage: true });
    await expectNoErrorsThenClose(page, errors);
  });

  it('backend=gpu runs the LSTM on WebGPU too (its kernels checked at start-up): the curves and the task strip draw past the drift', async () => {
    const { page, errors } = await app.open('#v=1&model=lstm&n=8&k=2&backend=gpu', { viewport: { width: 1280, height: 900 } });
    await expect.poll(() => page.getAttribute('[data-testid=backend-badge]', 'data-engine'), { timeout: 60_000 }).toMatch(/^WebGPU · /);
    await waitForPoints(page, 170, 120_000);
    expect(await page.locator('[data-testid=engine-fallback-note]').count()).toBe(0);
    expect(await page.getAttribute('[data-testid=backend-badge]', 'title')).toMatch(/LSTM transport: /);
    await expect
      .poll(async () => Number((await page.getAttribute('[data-testid=task-strip] canvas', 'data-adapted-predictions')) ?? 0), { timeout: 30_000 })
      .toBeGreaterThan(0);
    expect(await page.getAttribute('[data-testid=backend-badge]', 'data-engine')).toMatch(/^WebGPU · /);
    await expectNoErrorsThenClose(page, errors);
  });

  it('baselines added from the drawer join the live run as arms, on the CPU and on the GPU path', async () => {
    const page = await openPage(app.browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    for (const backend of ['cpu', 'gpu'] as const) {
      await page.goto(app.url + `#v=1&n=8&k=2&speed=8&backend=${backend}`);
      await page.reload();
      await waitForPoints(page, 5, 120_000);
      const drawer = page.locator('[data-testid=experiment-drawer]');
      if (!(await drawer.evaluate((d) => (d as HTMLDetailsElement).open))) await drawer.locator('summary').click();
      await page.getByLabel('UORO').check();
      await expect.poll(() => page.url()).toContain('baselines=uoro');
      await page.getByLabel('TBPTT').check();
      await expect.poll(() => page.url()).toContain('baselines=uoro%2Ctbptt');
      await page.getByLabel('TBPTT window τ').fill('4');
      await page.getByLabel('TBPTT window τ').press('Enter');
      await expect.poll(() => page.url()).toContain('truncation=4');
      // the run restarted with both as arms of their own: legend, cost meter, curves past the drift
      await expect.poll(() => page.textContent('[data-testid=legend] li[data-arm=uoro]'), { timeout: 60_000 }).toContain('UORO');
      await expect.poll(() => page.textContent('[data-testid=legend] li[data-arm=tbptt]')).toContain('TBPTT(4)');
      await waitForPoints(page, 200, 120_000);
      await expect.poll(() => page.locator('[data-testid=legend] li[data-arm=uoro]').textContent()).toMatch(/recovery (-?\d+ %|undefined)/);
      expect(await page.textContent('[data-testid=cost-meter]')).toContain('TBPTT(4)');
      expect(await page.getAttribute('[data-testid=loss-chart] canvas', 'aria-label')).toContain('UORO');
      const engine = await page.getAttribute('[data-testid=backend-badge]', 'data-engine');
      if (backend === 'gpu') expect(engine).toMatch(/^WebGPU · /);
      else expect(engine).toBe('CPU');
      expect(await page.locator('[data-testid=engine-fallback-note]').count()).toBe(0);
      // a third fits (eight arms on the chart); a fourth is refused by the control, and said why
      await page.getByLabel('SnAp-1').check();
      await expect.poll(() => page.url()).toContain('baselines=uoro%2Csnap1%2Ctbptt');
      expect(await page.getByLabel('KF-RTRL').isDisabled()).toBe(true);
      expect(await page.textContent('[data-testid=baseline-note]')).toMatch(/At most 3 at a time: 8 arms/);
      await page.screenshot({ path: `${OUT}/app-baselines-${backend}.png`, fullPage: true });
    }
    await expectNoErrorsThenClose(page, errors);
  });

  it('backend=auto on a software adapter (SwiftShader) stays on the CPU engine and says why', async () => {
    const { page, errors } = await app.open('#v=1&n=8&k=2&backend=auto', { points: 5 });
    // not something wrong: the reason is in the badge's tooltip, not a boxed notice
    await expect.poll(() => page.getAttribute('[data-testid=backend-badge]', 'title')).toMatch(/software fallback/);
    expect(await page.locator('[data-testid=engine-fallback-note]').count()).toBe(0);
    expect(await page.getAttribute('[data-testid=backend-badge]', 'data-engine')).toBe('CPU');
    expect(await page.textContent('[data-testid=backend-badge] strong')).toBe('CPU');
    await expectNoErrorsThenClose(page, errors);
  });

  it('changing k updates the link and the curves, and the link reproduces the configuration', async () => {
    const { page, errors } = await app.open('#v=1&n=16&k=2&seed=3&speed=8', { viewport: { width: 1280, height: 900 }, points: 200 });
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

    const { page: fresh, errors: freshErrors } = await openApp(app.browser, link, { points: 1 });
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
    const { page, errors } = await app.open('#v=1&n=8&k=2', { points: 10 });
    const k = page.getByLabel('Kept paths per unit k');
    await k.fill('99');
    await k.press('Enter');
    await expect.poll(() => page.textContent('#field-k-hint')).toContain('k must be');
    expect(page.url()).toContain('k=2');
    await expectNoErrorsThenClose(page, errors);
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
      const { page, errors } = await app.open(hash, { points: 5 });
      const notice = page.locator('[data-testid=ignored-link-notice]');
      if (ignored) await expect.poll(() => notice.textContent()).toMatch(ignored);
      else expect(await notice.count()).toBe(0);
      // what was right is kept
      if (hash.includes('n=6')) expect(await page.inputValue('#field-n')).toBe('6');
      if (hash.includes('n=12')) expect(await page.inputValue('#field-n')).toBe('12');
      // the link is rewritten to the configuration actually running
      expect(page.url()).toMatch(/#v=1&task=/);
      await expectNoErrorsThenClose(page, errors);
    });
  }
});

describe('without WebGPU', () => {
  const app = useAppBrowser(server, false);

  it('runs on the CPU engine with a banner that says why, and no console errors', async () => {
    const { page, errors } = await app.open('', { viewport: { width: 1280, height: 900 }, points: 200 });
    // backend auto without WebGPU is not an error: the badge says it, its tooltip says why
    await expect.poll(() => page.getAttribute('[data-testid=backend-badge]', 'title')).toMatch(/WebGPU is unavailable/);
    expect(await page.locator('[data-testid=no-webgpu-banner]').count()).toBe(0);
    expect(await page.textContent('[data-testid=backend-badge] strong')).toBe('CPU');
    await page.screenshot({ path: `${OUT}/app-no-webgpu.png`, fullPage: true });
    await expectNoErrorsThenClose(page, errors);
  });
});

describe('analysis panels, presenter mode and accessibility', () => {
  const app = useAppBrowser(server, true);

  it('the spectra, fidelity, kept paths and cost panels fill in with live numbers', async () => {
    const { page, errors } = await app.open('#v=1&n=16&k=4&speed=8', { viewport: { width: 1280, height: 1000 }, points: 300 });
    await expect.poll(async () => Number(await page.textContent('[data-testid=jacobian-condition]')), { timeout: 30_000 }).toBeGreaterThan(1);
    await expect.poll(async () => Number(await page.textContent('[data-testid=cosine-k]')), { timeout: 30_000 }).toBeGreaterThan(-1.01);
    expect(await page.locator('[data-testid=cost-meter] tbody tr').count()).toBe(5);
    // hovering a kept-path cell reads out the entry and the row's kept set
    const canvas = page.locator('[data-testid=kept-paths-canvas]');
    await canvas.scrollIntoViewIfNeeded();
    const box = (await canvas.boundingBox())!;
    await canvas.hover({ position: { x: box.width * 0.5, y: box.height * 0.1 } });
    await expect.poll(() => page.textContent('[data-testid=kept-hover]')).toMatch(/W\[\d+, \d+\] = .*row \d+ keeps \{(\d+, ){3}\d+\}/);
    await page.screenshot({ path: `${OUT}/app-analysis.png`, fullPage: true });
    await expectNoErrorsThenClose(page, errors);
  });

  it('presenter mode hides the controls and stays in the link', async () => {
    const { page, errors } = await app.open('#v=1&n=12&present=1', { viewport: { width: 1280, height: 800 }, points: 5 });
    expect(await page.locator('form.controls').count()).toBe(0);
    expect(await page.getAttribute('.app', 'data-presenter')).toBe('true');
    expect(page.url()).toContain('present=1');
    expect(await page.locator('[data-testid=ignored-link-notice]').count()).toBe(0);
    await page.screenshot({ path: `${OUT}/app-presenter.png` });
    await expectNoErrorsThenClose(page, errors);
  });

  it('an axe scan of the main view finds no serious or critical violations', async () => {
    const { page } = await app.open('#v=1&n=12', { viewport: { width: 1280, height: 1000 }, points: 50 });
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
    const { page } = await app.open('#v=1&n=12', { viewport: { width: 390, height: 844 }, points: 5 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.screenshot({ path: `${OUT}/app-phone.png`, fullPage: true });
    await page.close();
  });
});

describe('recovery sweep and export', () => {
  const app = useAppBrowser(server, true);

  it('the recovery-vs-k sweep fills in point by point', { timeout: 400_000 }, async () => {
    const { page, errors } = await app.open('#v=1&n=8&k=2', { viewport: { width: 1280, height: 1000 }, points: 5 });
    await page.click('[data-testid=run-sweep]');
    // n = 8: k in 0, 1, 2, 4, 8 → five points once the first seed is done
    await expect.poll(() => chartPoints(page, 'recovery-chart'), { timeout: 120_000 }).toBe(5);
    const label = await page.getAttribute('[data-testid=recovery-chart]', 'aria-label');
    expect(label).toMatch(/k=0: -?\d+ %, k=1: -?\d+ %/);
    // k = n is full RTRL: 100 %
    expect(label).toContain('k=8: 100 %');
    // recovery vs n at fixed k: n = 16, 32, 64 with k = 2
    await page.click('[data-testid=run-sweep-n]');
    await expect.poll(() => chartPoints(page, 'recovery-chart'), { timeout: 240_000 }).toBe(3);
    expect(await page.getAttribute('[data-testid=recovery-chart]', 'aria-label')).toMatch(/n=16: -?\d+ %, n=32: -?\d+ %, n=64: -?\d+ %/);
    await expectNoErrorsThenClose(page, errors);
  });

  it('exported JSON and CSV parse and hold the run', async () => {
    const { page, errors } = await app.open('#v=1&n=10&k=3&seed=2', { acceptDownloads: true, points: 200 });
    await page.click('[data-testid=play-pause]'); // pause so the files and the page agree
    await page.waitForTimeout(500); // let an advance already in flight land
    const json = JSON.parse(await downloadText(await downloadFrom(page, '[data-testid=export-json]')));
    expect(json.app).toBe('sparse-rtrl-lab');
    expect(json.settings).toMatchObject({ n: 10, k: 3, seed: 2 });
    expect(json.arms.map((a: { id: string }) => a.id)).toEqual(['frozen', 'full', 'k0', 'k', 'readout']);
    expect(json.arms[1].recovery).toBe(100);
    // both recoveries per arm: beyond the readout is 0 for readout-only and 100 for full RTRL by definition
    expect(json.arms[4]).toMatchObject({ role: 'floor', recoveryBeyondReadout: 0 });
    expect(json.arms[1].recoveryBeyondReadout).toBe(100);
    expect(json.arms[0].loss.length).toBeGreaterThanOrEqual(200);
    expect(json.markers[0]).toEqual({ step: 150, label: 'drift' });
    const csv = (await downloadText(await downloadFrom(page, '[data-testid=export-csv]'))).trim().split('\n');
    // one plain header row: spreadsheets read a leading comment as data
    expect(csv[0]).toBe('step,loss frozen,loss full RTRL,loss k = 0,loss k = 3,loss readout only');
    expect(csv.length - 1).toBe(json.arms[0].loss.length);
    // the JSON carries the full link, which opens the same run
    expect(json.link).toBe(app.url + '#' + new URL(json.link).hash.slice(1));
    expect(json.link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#v=1&.*k=3/);
    const row = csv[1].split(',').map(Number);
    expect(row[0]).toBe(0);
    expect(row[1]).toBeCloseTo(json.arms[0].loss[0], 6);
    const png = await downloadFrom(page, '[data-testid=export-png]');
    expect(png.suggestedFilename()).toMatch(/figure\.png$/);
    // the figure as shown: 2× (2400 px wide), opaque white background, drawn content
    const pngBytes = await downloadBytes(png);
    const pixels = await page.evaluate(async (b64) => {
      const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
      const bmp = await createImageBitmap(blob);
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = c.getContext('2d')!;
      ctx.drawImage(bmp, 0, 0);
      const corner = Array.from(ctx.getImageData(1, 1, 1, 1).data);
      const all = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      let transparent = 0;
      let dark = 0;
      for (let i = 0; i < all.length; i += 4) {
        if (all[i + 3] < 255) transparent++;
        if (all[i] < 100 && all[i + 1] < 100 && all[i + 2] < 100) dark++;
      }
      return { width: bmp.width, corner, transparent, dark };
    }, pngBytes.toString('base64'));
    expect(pixels.width).toBe(2400);
    expect(pixels.corner).toEqual([255, 255, 255, 255]);
    expect(pixels.transparent).toBe(0);
    expect(pixels.dark).toBeGreaterThan(1000); // title, axes, legend text
    // one SVG per chosen panel, with the font family embedded
    await page.click('[data-testid=export-svg-choice]');
    const option = await page.locator('[data-testid=export-svg-choice] option').nth(1).getAttribute('value');
    await page.selectOption('[data-testid=export-svg-choice]', option!);
    const svg = await downloadFrom(page, '[data-testid=export-svg]');
    const svgText = await downloadText(svg);
    expect(svgText).toMatch(/^<svg[^>]*font-family="system-ui/);
    expect(svg.suggestedFilename()).toMatch(/\.svg$/);
    expect(svg.suggestedFilename()).not.toMatch(/panel\d/);
    const heat = await downloadFrom(page, '[data-testid=export-heatmap]');
    expect(heat.suggestedFilename()).toMatch(/kept-paths\.png$/);
    await expectNoErrorsThenClose(page, errors);
  });
});

describe('claim presets', () => {
  const app = useAppBrowser(server, true);

  it('each preset configures the run with one click and produces its live measurement', async () => {
    const { page, errors } = await app.open('#v=1&n=8', { viewport: { width: 1280, height: 1000 }, points: 5 });
    const presets = [
      'k4-recovers',
      'k4-scales',
      'selection-invariant',
      'step-at-k1',
      'jacobian-isotropic',
      'lorenz-stable',
      'neural-decoding',
      'sgd',
      'needs-continuous-error',
    ];
    for (const id of presets) {
      await page.locator(`[data-testid=claim-${id}] button`).click();
      await expect.poll(() => page.url()).toContain(`claim=${id}`);
      await expect.poll(() => page.textContent(`[data-testid=claim-${id}-measured]`), { timeout: 120_000 }).toMatch(/\d|undefined: full RTRL did not adapt/);
      expect(await page.textContent(`[data-testid=claim-${id}-verdict]`)).toMatch(
        /^(reproduced|stronger than the paper|weaker than the paper|not reproduced|undefined|running|needs seeds)$/,
      );
    }
    // the transformers' claim runs on the live transformer: a card like the others, not "not modelled"
    expect(await page.textContent('[data-testid=claim-transformers-verdict]')).toBe('click to run');
    // the link carries the claim: a fresh page shows the same preset
    const { page: fresh } = await openApp(app.browser, page.url(), { points: 1 });
    expect(await fresh.getAttribute('[data-testid=claim-needs-continuous-error]', 'class')).toContain('active');
    expect(await fresh.inputValue('#field-task')).toBe('adding');
    await page.screenshot({ path: `${OUT}/app-claims.png`, fullPage: true });
    await expectNoErrorsThenClose(page, errors);
    await fresh.close();
  });
});

describe('guided tour', () => {
  const app = useAppBrowser(server, true);

  it('shows on a first visit, steps through, and stays away once done', async () => {
    const page = await app.browser.newPage(); // no init script: a first-time visitor
    const errors = collectErrors(page);
    await page.goto(app.url + '#v=1&n=8');
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
    await expectNoErrorsThenClose(page, errors);
  });
});

describe('the classroom: one screen, presenter mode, keyboard, notices, runs and jobs that end', () => {
  const app = useAppBrowser(server, true);

  it('at 1280×720 the teaching loop, the chart, its legend and the claims share one screen', async () => {
    const { page, errors } = await app.open('#v=1&n=16', { viewport: { width: 1280, height: 720 }, points: 200 });
    const inView = async (sel: string) => {
      const box = await page.locator(sel).first().boundingBox();
      return box !== null && box.y >= 0 && box.y + Math.min(box.height, 40) <= 720 && box.x + box.width <= 1280;
    };
    for (const sel of [
      '[data-testid=play-pause]',
      '[data-testid=k-slider]',
      '#field-strategy',
      '#field-lr',
      '[data-testid=loss-chart] canvas',
      '[data-testid=legend]',
      '[data-testid=claims-panel] .claim-button',
    ]) {
      expect(await inView(sel), sel).toBe(true);
    }
    // structural settings are folded away in the Experiment drawer
    expect(await page.locator('[data-testid=experiment-drawer]').getAttribute('open')).toBeNull();
    expect(await page.isVisible('#field-n')).toBe(false);
    // the first screen teaches: one sentence, the task strip, direct labels in the chart summary
    expect(await page.textContent('[data-testid=story]')).toMatch(/red line/);
    expect(await page.isVisible('[data-testid=task-strip] canvas')).toBe(true);
    // the k slider moves over 0, 1, 2, 4, …, n and changes k live
    await page.locator('[data-testid=k-slider]').fill('4'); // index 4 of [0, 1, 2, 4, 8, 16] is k = 8
    await expect.poll(() => page.textContent('[data-testid=k-value]')).toBe('8');
    await expect.poll(() => page.url()).toContain('k=8');
    await page.screenshot({ path: `${OUT}/app-1280x720.png` });
    await expectNoErrorsThenClose(page, errors);
  });

  it('presenter mode fits 1280×720 with the legend in view, has its own play/reset/k strip, and exits by button or Esc', async () => {
    const { page, errors } = await app.open('#v=1&n=16&present=1', { viewport: { width: 1280, height: 720 }, points: 200 });
    const legend = (await page.locator('[data-testid=legend]').boundingBox())!;
    expect(legend.y + legend.height).toBeLessThanOrEqual(720);
    expect(await page.isVisible('[data-testid=presenter-strip] [data-testid=play-pause]')).toBe(true);
    expect(await page.isVisible('[data-testid=presenter-strip] [data-testid=k-slider]')).toBe(true);
    // no engineering notices in presenter mode
    expect(await page.locator('.notice:not(.error)').count()).toBe(0);
    await page.screenshot({ path: `${OUT}/app-presenter-1280x720.png` });
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getAttribute('.app', 'data-presenter')).toBe('false');
    expect(page.url()).not.toContain('present=1');
    await page.click('[data-testid=enter-presenter]');
    await expect.poll(() => page.getAttribute('.app', 'data-presenter')).toBe('true');
    await page.click('[data-testid=exit-presenter]');
    await expect.poll(() => page.getAttribute('.app', 'data-presenter')).toBe('false');
    await expectNoErrorsThenClose(page, errors);
  });

  for (const [name, hash, twin] of [
    ['k = 0', '#v=1&n=8&k=0', 'k = 0'],
    ['k = n', '#v=1&n=8&k=8', 'full RTRL'],
  ] as const) {
    it(`${name}: the arm is shown once, with a note, and no console error`, async () => {
      const { page, errors } = await app.open(hash, { viewport: { width: 1280, height: 900 }, points: 400 });
      expect(await page.locator('[data-testid=legend] li').count()).toBe(4);
      expect(await page.locator('[data-testid=legend] li', { hasText: twin }).locator('[data-testid=legend-twin]').count()).toBe(1);
      // every k on the slider, one after another: still no console error
      for (let i = 0; i <= 4; i++) {
        await page.locator('[data-testid=k-slider]').fill(String(i));
        await waitForPoints(page, (await waitForPoints(page, 1)) + 10);
      }
      await expectNoErrorsThenClose(page, errors);
    });
  }

  it('a link with 5,000 unknown keys gives a short notice (five problems, then how many more) and the chart stays on screen', async () => {
    const junk = Array.from({ length: 5000 }, (_, i) => `junk${i}=1`).join('&');
    const { page, errors } = await app.open('#v=1&n=8&n=9&' + junk, { viewport: { width: 1280, height: 720 }, points: 5 });
    const notice = (await page.textContent('[data-testid=ignored-link-notice]'))!;
    expect(notice.length).toBeLessThan(400);
    expect(notice).toMatch(/and \d+ more/);
    expect(notice).not.toContain('junk10');
    const chart = (await page.locator('[data-testid=loss-chart]').boundingBox())!;
    expect(chart.y).toBeLessThan(400);
    // repeated keys are reported
    const hash2 = '#v=1&n=8&n=12';
    const { page: page2 } = await app.open(hash2, { points: 1 });
    expect(await page2.textContent('[data-testid=ignored-link-notice]')).toContain('n given 2 times (the first is used)');
    await expectNoErrorsThenClose(page, errors);
    await page2.close();
  });

  it('Space on a focused button presses that button; elsewhere it plays and pauses; the focus ring is at least 3:1', async () => {
    const { page, errors } = await app.open('#v=1&n=8', { viewport: { width: 1280, height: 900 }, points: 20 });
    const status = () => page.getAttribute('.app', 'data-status');
    expect(await status()).toBe('running');
    // the presenter button: Space presents, and does not pause the run
    await page.focus('[data-testid=enter-presenter]');
    await page.keyboard.press('Space');
    await expect.poll(() => page.getAttribute('.app', 'data-presenter')).toBe('true');
    expect(await status()).toBe('running');
    await page.keyboard.press('Escape');
    // the play button: Space presses it once (pause), not twice (the old toggle plus the click)
    await page.focus('[data-testid=play-pause]');
    await page.keyboard.press('Space');
    await expect.poll(status).toBe('paused');
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement!);
      return { color: s.outlineColor, width: parseFloat(s.outlineWidth) };
    });
    expect(ring.width).toBeGreaterThanOrEqual(2);
    expect(contrast(ring.color, 'rgb(255, 255, 255)')).toBeGreaterThanOrEqual(3);
    expect(contrast(ring.color, 'rgb(244, 245, 247)')).toBeGreaterThanOrEqual(3);
    // with nothing focused, Space plays
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Space');
    await expect.poll(status).toBe('running');
    await expectNoErrorsThenClose(page, errors);
  });

  it('a formula card opens on click, stays open until a second click, and closes on Esc', async () => {
    const { page } = await app.open('#v=1&n=8', { viewport: { width: 1280, height: 900 }, points: 5 });
    const button = page.locator('#loss-title [data-testid=formula-button]');
    await button.hover();
    expect(await page.locator('#loss-title [data-testid=formula-card]').count()).toBe(0); // hover alone opens nothing
    await button.click();
    expect(await page.isVisible('#loss-title [data-testid=formula-card]')).toBe(true);
    await button.click();
    expect(await page.locator('#loss-title [data-testid=formula-card]').count()).toBe(0);
    await button.click();
    await page.keyboard.press('Escape');
    expect(await page.locator('#loss-title [data-testid=formula-card]').count()).toBe(0);
    await page.close();
  });

  it('recovery says it is one seed and shows full RTRL’s own improvement; when full RTRL did not adapt it is undefined, not a number', async () => {
    const { page, errors } = await app.open('#v=1&n=8&k=2&seed=2', { viewport: { width: 1280, height: 900 }, points: 400 });
    await expect
      .poll(() => page.textContent('[data-testid=recovery-note]'))
      .toMatch(/One seed · full RTRL’s own improvement \(L̄frozen − L̄full\)\/L̄frozen = -?\d+ %/);
    // a learning rate too small to move full RTRL: its improvement is under 5 %, so recovery is undefined
    const { page: still, errors: stillErrors } = await app.open('#v=1&n=8&k=2&lr=0.000001', { viewport: { width: 1280, height: 900 }, points: 400 });
    await expect.poll(() => still.textContent('[data-testid=recovery-note]')).toContain('undefined: full RTRL did not adapt');
    expect(await still.textContent('[data-testid=legend] li[data-arm=k]')).toContain('recovery undefined');
    expect(await still.textContent('[data-testid=legend]')).not.toMatch(/recovery -?\d+ %/);
    expect([...errors, ...stillErrors]).toEqual([]);
    await page.close();
    await still.close();
  });

  it('a run ends after its adaptation steps with a one-seed summary and the five-seed command', async () => {
    const { page, errors } = await app.open('#v=1&n=8&k=2&adapt=100&speed=20', { viewport: { width: 1280, height: 900 } });
    await expect.poll(() => page.getAttribute('[data-testid=run-line]', 'data-status'), { timeout: 60_000 }).toBe('done');
    const summary = (await page.textContent('[data-testid=run-summary]'))!;
    expect(summary).toMatch(/after 100 adaptation steps/);
    expect(summary).toMatch(/one seed/);
    expect(await page.textContent('[data-testid=cli-command]')).toMatch(/^npm run experiment -- --task sine .*--n 8 --k 0,2 .*--adapt 100 --seeds 5$/);
    const points = await chartPoints(page, 'loss-chart');
    expect(points).toBe(250); // 150 lead-in steps + 100: not one more
    expect(await page.textContent('[data-testid=play-pause]')).toBe('Run again');
    await expectNoErrorsThenClose(page, errors);
  });
});

describe('background jobs: progress, time left, cancel, refusal', () => {
  const app = useAppBrowser(server, true);

  it('the k sweep shows steps done / total with the time left, and Cancel stops it', async () => {
    const { page, errors } = await app.open('#v=1&n=32&k=2', { viewport: { width: 1280, height: 900 }, points: 5 });
    const progress = await startJob(page, 'sweep');
    await expect.poll(() => progress.textContent(), { timeout: 60_000 }).toMatch(/^[\d,]+ \/ [\d,]+ steps, ≈ \d+ s left/);
    const total = Number((await progress.textContent())!.match(/\/ ([\d,]+) steps/)![1].replace(/,/g, ''));
    expect(total).toBe(3 * 600); // three seeds × 600 adaptation steps at n = 32
    await cancelJob(page, 'sweep');
    await expectStill(progress);
    await expectNoErrorsThenClose(page, errors);
  });

  it('the sweep refuses, with its estimated time, where the live view leaves full RTRL out (n = 256)', async () => {
    const { page } = await app.open('#v=1&n=256&k=4&speed=1', { viewport: { width: 1280, height: 900 } });
    await page.waitForFunction(() => document.querySelector('[data-testid=run-sweep]') !== null);
    const progress = await startJob(page, 'sweep');
    await expect.poll(() => progress.getAttribute('data-status')).toBe('refused');
    expect(await progress.textContent()).toMatch(/refused: at n = 256 .* about \d+ s/);
    await page.close();
  });

  it('the learning-rate sweep draws mean loss per arm over the grid, with the live rate marked', async () => {
    const { page, errors } = await app.open('#v=1&n=8&k=2', { viewport: { width: 1280, height: 900 }, points: 5 });
    await page.click('[data-testid=run-lr-sweep]');
    await expect.poll(() => page.textContent('[data-testid=lr-progress]')).toMatch(/steps/);
    // 5 rates × 4 arms (frozen, full, k = 0, k = 4), one seed each
    await expect.poll(() => chartPoints(page, 'lr-chart'), { timeout: 180_000 }).toBe(20);
    await expect.poll(() => page.getAttribute('[data-testid=lr-progress]', 'data-status')).toBe('done');
    expect(await page.locator('[data-testid=lr-chosen]').count()).toBe(1);
    expect(await page.textContent('[data-testid=lr-panel]')).toContain('One seed per point');
    expect(await page.getAttribute('[data-testid=lr-chart]', 'aria-label')).toMatch(/full RTRL best at lr [\d.e-]+/);
    await expectNoErrorsThenClose(page, errors);
  });
});

describe('the readout floor, both recoveries, the task’s τ and the two stories', () => {
  const app = useAppBrowser(server, true);

  it('the default page draws a readout-only line, labelled in the legend, and shows both recoveries after the drift', async () => {
    const { page, errors } = await app.open('', { viewport: { width: 1280, height: 900 }, points: 250 });
    const entry = page.locator('[data-testid=legend] li[data-arm=readout]');
    expect(await entry.textContent()).toContain('readout only');
    expect(await page.getAttribute('[data-testid=loss-chart] canvas', 'aria-label')).toContain('readout only');
    // its line on the canvas, in its own colour (armColors.tsx: #aa6666)
    const own = await page.evaluate(() => {
      const c = document.querySelector<HTMLCanvasElement>('[data-testid=loss-chart] canvas')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (Math.abs(d[i] - 0xaa) < 12 && Math.abs(d[i + 1] - 0x66) < 12 && Math.abs(d[i + 2] - 0x66) < 12 && d[i + 3] > 200) n++;
      return n;
    });
    expect(own).toBeGreaterThan(30);
    // after the drift: the paper's recovery (readout-only's own among it) and recovery beyond the readout, labelled
    const paper = page.locator('[data-testid=recovery-paper]');
    const beyond = page.locator('[data-testid=recovery-beyond]');
    await expect
      .poll(() => paper.textContent(), { timeout: 30_000 })
      .toMatch(/^recovery vs frozen \(paper’s definition\): (k = 0 -?\d+ %, k = 4 -?\d+ %, readout only -?\d+ %|undefined: full RTRL did not adapt)/);
    expect(await beyond.textContent()).toMatch(
      /^beyond the readout: (k = 0 -?\d+ %, k = 4 -?\d+ %|undefined: the task does not need transport: the readout alone adapts about as well as full RTRL \(full RTRL improved on readout-only by -?\d+ %|undefined: full RTRL did not adapt)/,
    );
    // the legend: both per learning arm, one seed in the note
    expect(await page.textContent('[data-testid=legend] li[data-arm=k]')).toMatch(/recovery (-?\d+ %|undefined) · beyond the readout (-?\d+ %|undefined)/);
    expect(await page.textContent('[data-testid=recovery-note]')).toMatch(/One seed/);
    expect(await page.textContent('[data-testid=recovery-note]')).toMatch(/, over readout-only -?\d+ %|undefined/);
    await page.screenshot({ path: `${OUT}/app-readout.png`, fullPage: true });
    await expectNoErrorsThenClose(page, errors);
  });

  it('before the drift recovery waits for it: nothing reads undefined', async () => {
    const { page, errors } = await app.open('#v=1&n=8&speed=1', { viewport: { width: 1280, height: 900 }, points: 2 });
    await page.click('[data-testid=play-pause]');
    await page.waitForTimeout(300);
    const step = await chartPoints(page, 'loss-chart');
    expect(step).toBeLessThan(150);
    const reading = (await page.textContent('[data-testid=recovery-reading]'))!;
    expect(reading).toContain('recovery vs frozen (paper’s definition): waiting for the drift');
    expect(reading).toContain('beyond the readout: waiting for the drift');
    expect(reading).not.toContain('undefined');
    expect(await page.textContent('[data-testid=legend]')).not.toContain('undefined');
    expect(await page.textContent('[data-testid=recovery-note]')).toContain('waiting for the drift');
    await expectNoErrorsThenClose(page, errors);
  });

  it('a link with the delay task’s τ shows it in the drawer; a malformed τ falls back with a notice; the adding problems show their length', async () => {
    const { page, errors } = await app.open('#task=delay&delayA=2&delayB=6&n=8', { viewport: { width: 1280, height: 900 }, points: 1 });
    await page.click('[data-testid=experiment-drawer] summary');
    expect(await page.inputValue('#field-task')).toBe('delay');
    expect(await page.inputValue('#field-delayA')).toBe('2');
    expect(await page.inputValue('#field-delayB')).toBe('6');
    expect(await page.textContent('[data-testid=run-line]')).toContain('τ 2 → 6');
    expect(await page.locator('#field-length').count()).toBe(0);
    // τ typed in the drawer: a new run, in the link
    await page.fill('#field-delayB', '9');
    await page.press('#field-delayB', 'Enter');
    await expect.poll(() => page.url()).toContain('delayB=9');
    await expect.poll(() => page.textContent('[data-testid=run-line]')).toContain('τ 2 → 9');
    // out of range: refused with a message, the run keeps its τ
    await page.fill('#field-delayA', '65');
    await page.press('#field-delayA', 'Enter');
    await expect.poll(() => page.textContent('#field-delayA-hint')).toContain('delayA must be in [1, 64]');
    // the task select names the adding problems; the length field shows for them only
    const options = await page.locator('#field-task option').allTextContents();
    expect(options).toContain('Standard adding problem (error at the end only, no drift)');
    expect(options).toContain('Adding problem, drift variant (sum → difference)');
    await page.selectOption('#field-task', 'adding-difference');
    await expect.poll(() => page.locator('#field-length').count()).toBe(1);
    expect(await page.inputValue('#field-length')).toBe('30');
    expect(await page.locator('#field-delayA').count()).toBe(0);
    // the adding problems draw the constant predictor's line (MSE 2/12) on the loss chart; other tasks do not
    await waitForPoints(page, 1);
    await expect.poll(() => page.getAttribute('[data-testid=loss-chart]', 'data-reference')).toBe('constant predictor (MSE 0.167)');

    const { page: bad, errors: badErrors } = await app.open('#v=1&task=delay&delayA=99&n=8', { points: 1 });
    await expect.poll(() => bad.textContent('[data-testid=ignored-link-notice]')).toMatch(/delayA=99 \(must be an integer in \[1, 64\]\)/);
    await bad.click('[data-testid=experiment-drawer] summary');
    expect(await bad.inputValue('#field-delayA')).toBe('4');
    expect(await bad.getAttribute('[data-testid=loss-chart]', 'data-reference')).toBe('');
    expect([...errors, ...badErrors]).toEqual([]);
    await page.close();
    await bad.close();
  });

  it('two stories, one click apart: “Where propagation matters” switches to the delay task, “Redundancy” back to the sine task', async () => {
    const { page, errors } = await app.open('#v=1&n=8', { viewport: { width: 1280, height: 720 }, points: 5 });
    const propagation = page.locator('[data-testid=story-propagation]');
    const redundancy = page.locator('[data-testid=story-redundancy]');
    // on the first screen
    for (const story of [propagation, redundancy]) {
      const box = (await story.boundingBox())!;
      expect(box.y + box.height).toBeLessThanOrEqual(720);
    }
    expect(await propagation.textContent()).toContain('Where propagation matters');
    expect(await redundancy.textContent()).toContain('Redundancy: the readout does most of it');
    await propagation.click();
    await expect.poll(() => page.url()).toContain('task=delay');
    expect(page.url()).toContain('claim=story-propagation');
    expect(await propagation.getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => page.textContent('[data-testid=run-line]')).toMatch(/delay \(τ 4 → 2\), n = 64, k = 4/);
    expect(await page.inputValue('#field-strategy')).toBe('top-k');
    await expect
      .poll(() => page.textContent('[data-testid=story-propagation-reading]'), { timeout: 30_000 })
      .toMatch(/waiting for the drift|beyond the readout/);
    await waitForPoints(page, 170);
    await expect
      .poll(() => page.textContent('[data-testid=story-propagation-reading]'), { timeout: 30_000 })
      .toMatch(/recovery vs frozen \(paper’s definition\): .*; beyond the readout: /);
    await page.screenshot({ path: `${OUT}/app-story-propagation.png` });
    await redundancy.click();
    await expect.poll(() => page.url()).toContain('task=sine');
    await expect.poll(() => page.textContent('[data-testid=run-line]')).toMatch(/sine, n = 64, k = 4/);
    await expectNoErrorsThenClose(page, errors);
  });
});

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = c
      .match(/\d+(\.\d+)?/g)!
      .slice(0, 3)
      .map((v) => {
        const s = Number(v) / 255;
        return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

describe('shipped pretrained weights in the browser', () => {
  const app = useAppBrowser(server, false);

  it('the browser’s own pretraining gives the shipped file bit for bit, so the default link’s run is the same run', async () => {
    const { page } = await app.open('#v=1&n=8', { points: 1 });
    // a string, so the test runner does not rewrite the page's dynamic imports into its own
    const same = await page.evaluate(`(async () => {
      const cache = await import('/src/app/contract/pretrained.ts');
      const live = await import('/src/app/worker/liveRun.ts');
      const labParams = await import('/src/app/labParams.ts');
      const settings = cache.CACHED_SETTINGS[0];
      const { pretrainSteps, pretrainEpochs } = live.LIVE_DEFAULTS;
      const key = cache.cacheKey(settings, pretrainSteps, pretrainEpochs);
      const file = cache.decodePretrained(key, await (await fetch('/' + cache.cachePath(settings, pretrainSteps, pretrainEpochs))).json());
      const computed = new live.LiveRun({ ...labParams.DEFAULT_PARAMS, ...settings }, live.LIVE_DEFAULTS).pretrainedState();
      const eq = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
      return file !== null && eq(file.theta, computed.theta) && eq(file.readout, computed.readout) && eq(file.hEnd, computed.hEnd);
    })()`);
    expect(same).toBe(true);
    await page.close();
  });
});
