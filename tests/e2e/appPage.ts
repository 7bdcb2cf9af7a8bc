/**
 * Reading and driving the app's page in the end-to-end tests: a chart's point count, the background jobs
 * (started by `run-<job>`, followed in `<job>-progress`), and the files the page offers for download.
 */
import type { Download, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

/** How many points a chart (`loss-chart`, `recovery-chart`, `lr-chart`) says it has drawn. */
export async function chartPoints(page: Page, chart: string): Promise<number> {
  return Number(await page.getAttribute(`[data-testid=${chart}]`, 'data-points'));
}

/** Waits until a chart has drawn at least `min` points. */
export async function waitForChartPoints(page: Page, chart: string, min: number, timeout: number): Promise<void> {
  await page.waitForFunction(([c, m]) => Number(document.querySelector(`[data-testid=${c}]`)?.getAttribute('data-points') ?? 0) >= m, [chart, min] as const, {
    timeout,
  });
}

/** Starts a background job (`map`, `frontier`, `sweep`) from its button; returns its progress line. */
export async function startJob(page: Page, job: string): Promise<Locator> {
  await page.click(`[data-testid=run-${job}]`);
  return page.locator(`[data-testid=${job}-progress]`);
}

/** Starts a background job and waits until its progress line says it is done. */
export async function runJobToEnd(page: Page, job: string, timeout: number): Promise<Locator> {
  const progress = await startJob(page, job);
  await expect.poll(() => progress.getAttribute('data-status'), { timeout, interval: 1000 }).toBe('done');
  return progress;
}

/** Presses a running job's Cancel and waits until its progress line says cancelled. */
export async function cancelJob(page: Page, job: string): Promise<Locator> {
  await page.click(`[data-testid=${job}-progress-cancel]`);
  const progress = page.locator(`[data-testid=${job}-progress]`);
  await expect.poll(() => progress.getAttribute('data-status')).toBe('cancelled');
  return progress;
}

/** Nothing moves after Cancel: the progress line reads the same 1.5 s later. */
export async function expectStill(progress: Locator): Promise<void> {
  const after = await progress.textContent();
  await progress.page().waitForTimeout(1500);
  expect(await progress.textContent()).toBe(after);
}

/** The download that clicking `selector` starts. */
export async function downloadFrom(page: Page, selector: string): Promise<Download> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return download;
}

/** A download's bytes. */
export async function downloadBytes(download: Download): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await download.createReadStream()) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** A download's text (UTF-8). */
export async function downloadText(download: Download): Promise<string> {
  return (await downloadBytes(download)).toString('utf8');
}
