/**
 * Shared harness of the end-to-end tests: a Vite dev server for the app on a free loopback port, and
 * Debian's Chromium driven by playwright-core, with or without WebGPU.
 */
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM_ARGS } from '../../vitest.config';

export async function startAppServer(): Promise<{ server: ViteDevServer; url: string }> {
  // No hot reload: a source file saved while the tests run must not reload the page under test (that
  // resets its state and rewrites its link).
  const server = await createServer({ configFile: 'vite.config.ts', logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null } });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the dev server has no port');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

export async function launchChromium(webgpu: boolean): Promise<Browser> {
  const args = webgpu ? CHROMIUM_ARGS : CHROMIUM_ARGS.filter((a) => a !== '--enable-unsafe-webgpu');
  return chromium.launch({ executablePath: '/usr/bin/chromium', args });
}

/** Console errors and uncaught exceptions of a page, collected from its start. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Waits until the loss chart has drawn at least `min` points. */
export async function waitForPoints(page: Page, min = 1, timeout = 90_000): Promise<number> {
  await page.waitForFunction(
    (m) => Number(document.querySelector('[data-testid=loss-chart]')?.getAttribute('data-points') ?? 0) >= m,
    min,
    { timeout },
  );
  return Number(await page.getAttribute('[data-testid=loss-chart]', 'data-points'));
}

/** A page of a returning visitor: the first-visit tour is already done, so it covers nothing. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await browser.newPage(options);
  await page.addInitScript(() => localStorage.setItem('sparse-rtrl-lab.tour-done', '1'));
  return page;
}
