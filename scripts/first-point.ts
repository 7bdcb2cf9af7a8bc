/**
 * Time to the first drawn point of the loss chart, on the production build in headless Chromium:
 * `npx tsx scripts/first-point.ts [--runs 3] [--no-gpu]`. Builds the app into a temporary folder, serves
 * it with `vite preview`, opens it in fresh browser contexts and prints each run and the median, measured
 * from navigation start (performance.timeOrigin) to the moment the chart reports its first point.
 * A benchmark, not a test: it prints figures and asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { build, preview } from 'vite';
import { CHROMIUM_ARGS } from '../vitest.config';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, 'no-gpu': { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
    process.stderr.write(`error: --runs must be an integer in [1, 50], got '${values.runs}'\n`);
    process.exit(2);
  }
  const outDir = mkdtempSync(join(tmpdir(), 'first-point-'));
  try {
    const t0 = Date.now();
    await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { outDir, emptyOutDir: true } });
    process.stderr.write(`built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    const server = await preview({
      configFile: 'vite.config.ts',
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: 0, strictPort: false },
    });
    const address = server.httpServer.address();
    if (!address || typeof address === 'string') throw new Error('the preview server has no port');
    const url = `http://127.0.0.1:${address.port}/`;
    const webgpu = !values['no-gpu'];
    const args = webgpu ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args });
    const times: number[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
        const page = await context.newPage();
        // a returning visitor (no tour), and a stopwatch that notes when the chart reports its first point
        await page.addInitScript(() => {
          localStorage.setItem('sparse-rtrl-lab.tour-done', '1');
          const w = window as unknown as { __firstPoint?: number };
          new MutationObserver((_, observer) => {
            const n = Number(document.querySelector('[data-testid=loss-chart]')?.getAttribute('data-points') ?? 0);
            if (n >= 1 && w.__firstPoint === undefined) {
              w.__firstPoint = performance.now();
              observer.disconnect();
            }
          }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-points'], childList: true });
        });
        await page.goto(url);
        await page.waitForFunction(() => (window as unknown as { __firstPoint?: number }).__firstPoint !== undefined, null, { timeout: 60_000 });
        const ms = await page.evaluate(() => (window as unknown as { __firstPoint: number }).__firstPoint);
        // where the time went: the app's own marks (controller.ts), from navigation start
        const marks = await page.evaluate(() =>
          performance
            .getEntriesByType('mark')
            .filter((m) => m.name.startsWith('lab:'))
            .map((m) => ({ name: m.name, at: m.startTime, detail: (m as PerformanceMark).detail as Record<string, number | null> | null })),
        );
        const dcl = await page.evaluate(
          () => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.domContentLoadedEventEnd ?? NaN,
        );
        times.push(ms);
        const detail = (d: Record<string, number | null> | null) =>
          d
            ? ` (${Object.entries(d)
                .map(([k, v]) => `${k} ${typeof v === 'number' ? v.toFixed(0) : '—'}`)
                .join(', ')})`
            : '';
        const parts = marks.map((m) => `${m.name.slice(4)} ${m.at.toFixed(0)}${detail(m.detail)}`);
        process.stdout.write(`run ${i + 1}: ${ms.toFixed(0)} ms  [DOMContentLoaded ${dcl.toFixed(0)} · ${parts.join(' · ')}]\n`);
        await context.close();
      }
    } finally {
      await browser.close();
      await new Promise<void>((resolve) => server.httpServer.close(() => resolve()));
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median =
      sorted[Math.floor((sorted.length - 1) / 2)] + (sorted.length % 2 === 0 ? (sorted[sorted.length / 2] - sorted[sorted.length / 2 - 1]) / 2 : 0);
    process.stdout.write(
      `time to first drawn point (production build, headless Chromium${webgpu ? ', WebGPU on (SwiftShader here)' : ', no WebGPU'}): median ${median.toFixed(0)} ms of ${runs}\n`,
    );
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

void main();
