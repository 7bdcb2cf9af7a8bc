/**
 * Shared harness of the end-to-end tests: a Vite dev server for the app on a free loopback port, and
 * Debian's Chromium driven by playwright-core, with or without WebGPU. `appSuite` (or `useAppServer` with
 * `useAppBrowser` where one server serves several blocks) starts them before a file's or a block's tests
 * and closes them after.
 */
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, expect } from 'vitest';
import { CHROMIUM_ARGS } from '../../vitest.config';

export async function startAppServer(): Promise<{ server: ViteDevServer; url: string }> {
  // No hot reload: a source file saved while the tests run must not reload the page under test (that
  // resets its state and rewrites its link).
  const server = await createServer({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
  });
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
  await page.waitForFunction((m) => Number(document.querySelector('[data-testid=loss-chart]')?.getAttribute('data-points') ?? 0) >= m, min, { timeout });
  return Number(await page.getAttribute('[data-testid=loss-chart]', 'data-points'));
}

/** A page of a returning visitor: the first-visit tour is already done, so it covers nothing. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const page = await browser.newPage(options);
  await page.addInitScript(() => localStorage.setItem('sparse-rtrl-lab.tour-done', '1'));
  return page;
}

/** A page of the app and the console errors and uncaught exceptions it has had since it opened. */
export interface AppPage {
  page: Page;
  errors: string[];
}

export interface OpenOptions extends BrowserContextOptions {
  /** wait until the loss chart has drawn at least this many points */
  points?: number;
  /** how long to wait for them (waitForPoints' default when not given) */
  timeout?: number;
}

/** A returning visitor's page at `href`, its errors collected from the start; with `points`, once the loss chart has drawn them. */
export async function openApp(browser: Browser, href: string, { points, timeout, ...context }: OpenOptions = {}): Promise<AppPage> {
  const page = await openPage(browser, context);
  const errors = collectErrors(page);
  await page.goto(href);
  if (points !== undefined) await waitForPoints(page, points, timeout);
  return { page, errors };
}

/** Checks that the page had no console error and no uncaught exception, then closes it. */
export async function expectNoErrorsThenClose(page: Page, errors: readonly string[]): Promise<void> {
  expect(errors).toEqual([]);
  await page.close();
}

/** Where the dev server answers; read inside a test (the server starts before the tests). */
export interface AppServer {
  readonly url: string;
}

/** A Chromium for the tests of a file or block; read inside a test (it starts before the tests). */
export interface ChromiumForTests {
  readonly browser: Browser;
}

/** The app's server and a Chromium, with a way to open the app at a link of the server. */
export interface AppBrowser extends AppServer, ChromiumForTests {
  /** The app at the server's `url` + `hash` in a returning visitor's page (openApp). */
  open(hash?: string, options?: OpenOptions): Promise<AppPage>;
}

function started<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} starts before the tests: read it inside a test or hook`);
  return value;
}

/** A dev server for the tests of the enclosing file or describe block: started before them, closed after them. */
export function useAppServer(): AppServer {
  let app: { server: ViteDevServer; url: string } | undefined;
  beforeAll(async () => {
    app = await startAppServer();
  });
  afterAll(async () => {
    await app?.server.close();
  });
  return {
    get url() {
      return started(app, 'the dev server').url;
    },
  };
}

/** A Chromium (with WebGPU or without) for the tests of the enclosing file or describe block: launched before them, closed after them. */
export function useChromium(webgpu: boolean): ChromiumForTests {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchChromium(webgpu);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() {
      return started(browser, 'Chromium');
    },
  };
}

/** A Chromium for the enclosing block that opens the app of `server` (started once for several blocks). */
export function useAppBrowser(server: AppServer, webgpu: boolean): AppBrowser {
  const chromium = useChromium(webgpu);
  return {
    get url() {
      return server.url;
    },
    get browser() {
      return chromium.browser;
    },
    open: (hash = '', options = {}) => openApp(chromium.browser, server.url + hash, options),
  };
}

/** The dev server and a Chromium for the tests of the enclosing file or describe block. */
export function appSuite(webgpu: boolean): AppBrowser {
  return useAppBrowser(useAppServer(), webgpu);
}
