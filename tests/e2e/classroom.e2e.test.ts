/**
 * The classroom in headless Chromium: at 1280×720, in the normal layout and in presenter mode, a clicked
 * claim's verdict (in the caption beside the chart) and the chart share the screen, also once a judged
 * recovery adds the reference's own improvement; the keys work after a mouse click on Pause, Step or a
 * claim card (Space pauses and never restarts the claim); a presenter
 * link on a phone gets the normal layout; every presenter text is at least 24 px; one slider gesture
 * leaves one marker; each exported SVG panel stands alone with a title and a legend. Screenshots go to
 * test-results/.
 */
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CLAIMS } from '../../src/claims/claims';
import { appSuite, collectErrors, expectNoErrorsThenClose, openPage, waitForPoints } from './appServer';

const OUT = 'test-results';
mkdirSync(OUT, { recursive: true });

const app = appSuite(false);

// every claim card the panel shows (ClaimsPanel renders one per CLAIMS entry)
const CLAIM_IDS = CLAIMS.map((c) => c.id);

/** Whether the element lies wholly inside the viewport. */
async function inViewport(page: Page, selector: string): Promise<boolean> {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return false;
    const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight + 0.5 && r.right <= window.innerWidth + 0.5;
  }, selector);
}

const status = (page: Page) => page.getAttribute('.app', 'data-status');
const step = async (page: Page) => Number(/step (\d+) of/.exec((await page.textContent('[data-testid=run-line]')) ?? '')?.[1] ?? NaN);
/** The step once a paused run's last in-flight chunk has landed: the same value twice, 300 ms apart. */
async function settledStep(page: Page): Promise<number> {
  let last = await step(page);
  for (let i = 0; i < 50; i++) {
    await page.waitForTimeout(300);
    const now = await step(page);
    if (now === last) return now;
    last = now;
  }
  throw new Error(`the step did not settle after a pause (last ${last})`);
}

describe('the claim on show beside the chart', () => {
  for (const presenter of [false, true]) {
    it(
      `${presenter ? 'presenter mode' : 'normal layout'} at 1280×720: after each card’s click its verdict and the chart are both on screen`,
      { timeout: 300_000 },
      async () => {
        const { page, errors } = await app.open(`#v=1&n=8${presenter ? '&present=1' : ''}`, { viewport: { width: 1280, height: 720 }, points: 5 });
        for (const id of CLAIM_IDS) {
          await page.locator(`[data-testid=claim-${id}] button`).click();
          await expect.poll(() => page.getAttribute('[data-testid=claim-caption]', 'data-claim')).toBe(id);
          await expect.poll(() => inViewport(page, '[data-testid=claim-caption-verdict]'), { timeout: 5000 }).toBe(true);
          expect(await inViewport(page, '[data-testid=loss-chart] canvas'), `${id}: chart`).toBe(true);
          // the caption says how far the live reading goes
          expect(await page.textContent('[data-testid=claim-caption-scope]')).toMatch(/one seed/);
        }
        // the scaling claim says it runs at n = 128 live; the Lorenz claim is not judged from one seed
        await page.locator('[data-testid=claim-k4-scales] button').click();
        expect(await page.textContent('[data-testid=claim-caption-scope]')).toContain('live at n = 128; n = 256 runs in the claims suite');
        await page.locator('[data-testid=claim-lorenz-stable] button').click();
        await waitForPoints(page, 1);
        if (presenter) await page.screenshot({ path: `${OUT}/classroom-presenter-1280x720-claim.png` });
        await expectNoErrorsThenClose(page, errors);
      },
    );
  }

  it(
    'presenter mode at 1280×720: a judged recovery on recorded data says full RTRL’s own improvement, and the caption, the chart and the legend still fit',
    { timeout: 300_000 },
    async () => {
      const { page, errors } = await app.open('#v=1&n=8&speed=20&present=1', { viewport: { width: 1280, height: 720 }, points: 1 });
      await page.locator('[data-testid=claim-recorded-weather] button').click();
      await expect.poll(() => page.textContent('[data-testid=claim-caption-verdict]'), { timeout: 240_000, interval: 1000 }).not.toBe('running');
      // the live line carries the reference's improvement; its definition stays in the normal layout's caption
      expect(await page.textContent('[data-testid=claim-caption-measured]')).toMatch(/full RTRL improved on frozen by -?\d+ %/);
      expect(await page.locator('[data-testid=claim-caption-improvement]').count()).toBe(0);
      expect(await inViewport(page, '[data-testid=claim-caption]'), 'caption').toBe(true);
      expect(await inViewport(page, '[data-testid=loss-chart] canvas'), 'chart').toBe(true);
      expect(await inViewport(page, '[data-testid=legend]'), 'legend').toBe(true);
      await page.screenshot({ path: `${OUT}/classroom-presenter-1280x720-recorded-weather.png` });
      // the normal layout's caption gives the improvement's definition too
      await page.keyboard.press('p');
      await expect
        .poll(() => page.textContent('[data-testid=claim-caption-improvement]').catch(() => null), { timeout: 10_000 })
        .toMatch(/^full RTRL’s own improvement .* = -?\d+ %$/);
      await expectNoErrorsThenClose(page, errors);
    },
  );

  it('before the first adapted step a claim waits for the drift: nothing reads undefined', async () => {
    const page = await openPage(app.browser, { viewport: { width: 1280, height: 720 } });
    await page.goto(app.url + '#v=1&n=8');
    await waitForPoints(page, 5);
    await page.locator('[data-testid=claim-neural-decoding] button').click();
    expect(await page.textContent('[data-testid=claim-caption-measured]')).toBe('Waiting for the drift');
    expect(await page.textContent('[data-testid=claim-caption]')).not.toContain('undefined');
    await page.close();
  });
});

describe('keys after a mouse click', () => {
  it('→, R and Space work after clicking Pause, Step and a claim card; Space pauses and never restarts the claim', { timeout: 240_000 }, async () => {
    const { page, errors } = await app.open('#v=1&n=8', { viewport: { width: 1280, height: 720 }, points: 20 });
    // Pause clicked: focus is on it, and the keys are still the app's
    await page.click('[data-testid=play-pause]');
    await expect.poll(() => status(page)).toBe('paused');
    await page.keyboard.press('Space');
    await expect.poll(() => status(page)).toBe('running');
    await page.keyboard.press('Space');
    await expect.poll(() => status(page)).toBe('paused');
    let before = await settledStep(page);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => step(page), { timeout: 15_000 }).toBe(before + 1);
    // R while paused: the run starts over and stays paused
    await page.keyboard.press('r');
    await expect.poll(() => step(page), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => status(page)).toBe('paused');
    // Step clicked: → steps again, Space plays (it does not press Step); the click's own step lands first
    await page.click('[data-testid=step]');
    await expect.poll(() => status(page)).toBe('paused');
    await expect.poll(() => step(page), { timeout: 15_000 }).toBe(1);
    before = await settledStep(page);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => step(page), { timeout: 15_000 }).toBe(before + 1);
    await page.keyboard.press('Space');
    await expect.poll(() => status(page)).toBe('running');
    await waitForPoints(page, 300);
    const beforeReset = await step(page);
    await page.keyboard.press('r');
    await expect.poll(() => step(page), { timeout: 30_000 }).toBeLessThan(beforeReset);
    // a claim card clicked: Space pauses the claim's run where it is, the claim stays
    await page.locator('[data-testid=claim-neural-decoding] button').click();
    await expect.poll(() => page.url()).toContain('claim=neural-decoding');
    await waitForPoints(page, 170, 120_000);
    const atPause = await step(page);
    await page.keyboard.press('Space');
    await expect.poll(() => status(page)).toBe('paused');
    expect(await step(page)).toBeGreaterThanOrEqual(atPause);
    expect(page.url()).toContain('claim=neural-decoding');
    before = await settledStep(page);
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => step(page), { timeout: 15_000 }).toBe(before + 1);
    await page.keyboard.press('Space');
    await expect.poll(() => status(page)).toBe('running');
    expect(await step(page)).toBeGreaterThan(before);
    // the "?" overlay lists the keys and closes on Esc
    await page.keyboard.press('?');
    const overlay = page.locator('[data-testid=shortcuts-overlay]');
    await expect.poll(() => overlay.count()).toBe(1);
    expect(await overlay.textContent()).toMatch(/Space.*play \/ pause.*→.*one step.*R.*reset/s);
    await page.keyboard.press('Escape');
    await expect.poll(() => overlay.count()).toBe(0);
    await expectNoErrorsThenClose(page, errors);
  });
});

describe('presenter mode', () => {
  it('a presenter link on a 390×844 phone gets the normal layout, the flag kept in the link', async () => {
    const { page, errors } = await app.open('#v=1&n=8&present=1', { viewport: { width: 390, height: 844 }, points: 5 });
    expect(await page.getAttribute('.app', 'data-presenter')).toBe('false');
    expect(await page.isVisible('form.controls')).toBe(true);
    expect(await page.locator('[data-testid=presenter-strip]').count()).toBe(0);
    expect(page.url()).toContain('present=1');
    const chart = (await page.locator('[data-testid=loss-chart] canvas').boundingBox())!;
    expect(chart.height).toBeGreaterThanOrEqual(200);
    // nothing runs off the right edge
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
    expect(errors).toEqual([]);
  });

  for (const [w, h] of [
    [1280, 720],
    [1024, 768],
  ] as const) {
    it(`at ${w}×${h} every text on the page is at least 24 px, and the end verdict is one line with no command`, { timeout: 120_000 }, async () => {
      const page = await openPage(app.browser, { viewport: { width: w, height: h } });
      const errors = collectErrors(page);
      await page.goto(app.url + '#v=1&n=8&k=2&adapt=60&speed=20&present=1&junk=1');
      await expect.poll(() => page.getAttribute('.app', 'data-status'), { timeout: 60_000 }).toBe('done');
      expect(await page.getAttribute('.app', 'data-presenter')).toBe('true');
      await page.locator('[data-testid=claim-k4-recovers] button').click();
      await page.locator('[data-testid=play-pause]').click();
      // link problems show in presenter mode too
      expect(await page.isVisible('[data-testid=ignored-link-notice]')).toBe(true);
      const small = await page.evaluate(() => {
        const out: string[] = [];
        for (const el of document.querySelectorAll<HTMLElement>('.app *')) {
          const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '');
          if (!own || el.closest('.visually-hidden, svg, [hidden]')) continue;
          const r = el.getBoundingClientRect();
          if (r.width === 0 || r.height === 0) continue;
          const size = parseFloat(getComputedStyle(el).fontSize);
          if (size < 24) out.push(`${el.tagName}.${el.className}: ${size}px "${el.textContent!.trim().slice(0, 30)}"`);
        }
        return out;
      });
      expect(small).toEqual([]);
      await page.close();
      expect(errors).toEqual([]);
    });
  }

  it('a finished run in presenter mode ends with one line and no CLI command', { timeout: 120_000 }, async () => {
    const page = await openPage(app.browser, { viewport: { width: 1280, height: 720 } });
    await page.goto(app.url + '#v=1&n=8&k=2&adapt=60&speed=20&present=1');
    await expect.poll(() => page.getAttribute('.app', 'data-status'), { timeout: 60_000 }).toBe('done');
    const summary = page.locator('[data-testid=run-summary]');
    expect(await summary.textContent()).toMatch(/^Finished/);
    expect(await page.locator('[data-testid=cli-command]').count()).toBe(0);
    const box = (await summary.boundingBox())!;
    expect(box.height).toBeLessThan(2 * 24 * 1.6);
    await page.close();
  });
});

describe('the k slider', () => {
  it('one drag across several stops leaves one marker', { timeout: 120_000 }, async () => {
    const { page, errors } = await app.open('#v=1&n=16&k=1', { viewport: { width: 1280, height: 900 }, points: 170 });
    const markers = async () => Number(/; (\d+) marker/.exec((await page.getAttribute('[data-testid=loss-chart] canvas', 'aria-label')) ?? '')?.[1] ?? NaN);
    const before = await markers();
    const slider = (await page.locator('[data-testid=k-slider]').boundingBox())!;
    await page.mouse.move(slider.x + slider.width * 0.2, slider.y + slider.height / 2);
    await page.mouse.down();
    for (let i = 3; i <= 9; i++) {
      await page.mouse.move(slider.x + (slider.width * i) / 10, slider.y + slider.height / 2);
      await page.waitForTimeout(40);
    }
    await page.mouse.up();
    await expect.poll(() => page.url()).toMatch(/k=(8|16)/);
    await waitForPoints(page, (await waitForPoints(page, 1)) + 20);
    expect(await markers()).toBe(before + 1);
    await expectNoErrorsThenClose(page, errors);
  });
});

describe('exports', () => {
  it('the panel export waits for a choice; each exported SVG has a drawn title, a legend and the settings', { timeout: 180_000 }, async () => {
    const page = await openPage(app.browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await page.goto(app.url + '#v=1&n=8&k=2');
    await waitForPoints(page, 300);
    // a link other than the default's does not preload the default's weights (the browser would warn it went unused)
    expect(await page.locator('link[rel=preload][href*=pretrained]').count()).toBe(0);
    expect(await page.isDisabled('[data-testid=export-svg]')).toBe(true);
    await page.focus('[data-testid=export-svg-choice]');
    const values = (await page.locator('[data-testid=export-svg-choice] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).filter(
      Boolean,
    );
    expect(values.length).toBeGreaterThan(2);
    for (const value of values) {
      await page.selectOption('[data-testid=export-svg-choice]', value);
      expect(await page.isDisabled('[data-testid=export-svg]')).toBe(false);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-svg]')]);
      const chunks: Buffer[] = [];
      for await (const c of await download.createReadStream()) chunks.push(Buffer.from(c as Buffer));
      const svg = Buffer.concat(chunks).toString('utf8');
      const parsed = await page.evaluate((text) => {
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        const root = doc.documentElement;
        return {
          error: doc.querySelector('parsererror') !== null,
          title: root.querySelector(':scope > title')?.textContent ?? '',
          drawnTitle: root.querySelector(':scope > text.title')?.textContent ?? '',
          legendItems: root.querySelectorAll('[data-role=legend] text').length,
          swatches: root.querySelectorAll('[data-role=legend] rect, [data-role=legend] line').length,
          text: root.textContent ?? '',
        };
      }, svg);
      expect(parsed.error, value).toBe(false);
      expect(parsed.title.length, value).toBeGreaterThan(3);
      expect(parsed.drawnTitle.length, value).toBeGreaterThan(3);
      expect(parsed.legendItems, value).toBeGreaterThan(0);
      // a panel whose page legend has swatches carries them: recovery by k has k = 0 and k ≥ 1
      if (value.startsWith('recovery-panel')) expect(parsed.swatches, value).toBeGreaterThanOrEqual(2);
      expect(parsed.text, value).toContain('Settings: sine task');
    }
    expect(warnings.filter((w) => /preload/i.test(w))).toEqual([]);
    await expectNoErrorsThenClose(page, errors);
  });
});
