/**
 * Your own data in the app (headless Chromium): a CSV picked in the import dialog shows its columns and a
 * preview plot, the columns and the drift are chosen (the drift by a click on the plot, then typed), and
 * the run draws its curves; a malformed file gets the engine's message naming the row and column, with the
 * fixes it offers, and the run on show carries on; a link with task=csv and no file asks for the file and
 * runs once one is dropped. Every request of the page is recorded: none leaves the app's origin and none
 * carries the file. Screenshots go to test-results/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import type { Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { appSuite, collectErrors, expectNoErrorsThenClose, openPage, waitForPoints } from './appServer';

const OUT = 'test-results';
mkdirSync(OUT, { recursive: true });
const SMALL = 'tests/fixtures/csv-small.csv';
const BAD = 'tests/fixtures/csv-bad-cell.csv';
const smallText = readFileSync(SMALL, 'utf8');

const app = appSuite(false);

/** Every request the page makes, with its body. */
function recordRequests(page: Page): Request[] {
  const requests: Request[] = [];
  page.on('request', (r) => requests.push(r));
  return requests;
}

/** Rows of the file that would give it away in a request: a few whole data lines. */
const fileLines = smallText
  .split('\n')
  .slice(1, 6)
  .map((l) => l.trim());

function expectNoDataLeft(requests: Request[]): void {
  const origin = new URL(app.url).origin;
  expect(requests.length).toBeGreaterThan(0);
  for (const r of requests) {
    // the app's own assets only: nothing off the origin (data: and blob: URLs never leave the browser)
    if (!/^(data|blob):/.test(r.url())) expect(new URL(r.url()).origin, r.url()).toBe(origin);
    const body = r.postData() ?? '';
    for (const line of fileLines) {
      expect(body.includes(line), `${r.method()} ${r.url()} carries the file`).toBe(false);
      expect(decodeURIComponent(r.url()).includes(line), `${r.url()} carries the file`).toBe(false);
    }
  }
}

async function openDialog(page: Page): Promise<void> {
  await page.click('[data-testid=experiment-drawer] summary');
  await page.click('[data-testid=csv-open]');
  await page.waitForSelector('[data-testid=csv-dialog]');
}

describe('your own data', () => {
  it('a picked CSV: columns and a preview plot, inputs, target and drift chosen (on the plot, then typed), and the run draws its curves; no request carries the file', async () => {
    const page = await openPage(app.browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    const requests = recordRequests(page);
    // a rate of the user's own (a table has no selected default): it is kept when the task changes to csv
    await page.goto(app.url + '#v=1&n=8&k=2&backend=cpu&adapt=400&lr=0.003');
    await waitForPoints(page, 1);
    await openDialog(page);
    expect(await page.textContent('[data-testid=csv-privacy]')).toMatch(/stays in this browser.*nothing is uploaded/);
    await page.setInputFiles('[data-testid=csv-file-input]', SMALL);
    await expect
      .poll(() => page.textContent('[data-testid=csv-summary]'), { timeout: 30_000 })
      .toMatch(/csv-small\.csv.*400 rows.*4 columns.*comma-separated; dates in date/);
    // the columns: the date is not offered as an input; every numeric column is, the last one the target
    expect(await page.isDisabled('[data-testid=csv-input-date]')).toBe(true);
    expect(await page.isChecked('[data-testid=csv-target-load]')).toBe(true);
    // inputs temp and humidity (load out), target load
    await page.uncheck('[data-testid=csv-input-load]');
    await expect.poll(() => page.getAttribute('[data-testid=csv-preview-plot]', 'data-lines')).toBe('3');
    // a click on the plot's right half moves the drift to a date there
    const plot = page.locator('[data-testid=csv-preview-plot] svg');
    const box = (await plot.boundingBox())!;
    await plot.click({ position: { x: box.width * 0.75, y: box.height / 2 } });
    await expect.poll(() => page.inputValue('[data-testid=csv-drift]')).toMatch(/^2020-(0[89]|1[0-2])-\d\d$/);
    // typed: the first of June
    await page.fill('[data-testid=csv-drift]', '2020-06-01');
    await page.press('[data-testid=csv-drift]', 'Enter');
    await expect
      .poll(() => page.textContent('[data-testid=csv-description]'), { timeout: 30_000 })
      .toMatch(/^CSV csv-small\.csv: load 1 row ahead from temp, humidity; rows 1-152 \(A\) -> rows 153-400 \(B, drift at 2020-06-01\)/);
    expect(Number(await page.getAttribute('[data-testid=csv-preview-plot]', 'data-drift-x'))).toBeGreaterThan(0);
    await page.locator('[data-testid=csv-dialog]').screenshot({ path: `${OUT}/csv-import-dialog.png` });
    await page.click('[data-testid=csv-run]');
    await page.waitForSelector('[data-testid=csv-dialog]', { state: 'detached' });
    // the run on the table: past the drift (150 lead-in steps), every arm drawn
    await waitForPoints(page, 220, 120_000);
    expect(await page.textContent('[data-testid=run-line]')).toMatch(/ · csv, n = 8, k = 2/);
    expect(await page.getAttribute('[data-testid=task-source]', 'data-task')).toBe('csv');
    await expect.poll(() => page.locator('[data-testid=legend] li[data-arm=k]').textContent()).toMatch(/recovery (-?\d+ %|undefined)/);
    // the link keeps the choice, not the file
    const hash = decodeURIComponent(new URL(page.url()).hash);
    expect(hash).toContain('task=csv');
    expect(hash).toContain('csvInputs=temp,humidity');
    expect(hash).toContain('csvTarget=load');
    expect(hash).toContain('csvDrift=2020-06-01');
    expect(hash).toContain('lr=0.003');
    expect(hash).not.toContain('10.54');
    await page.screenshot({ path: `${OUT}/csv-run.png`, fullPage: true });
    await page.locator('.chart-panel').screenshot({ path: `${OUT}/csv-run-chart.png` });
    // a job on the table: the recovery-vs-k sweep gets the prepared series too (by postMessage) and reads its first seed
    await page.click('[data-testid=run-sweep]');
    await expect
      .poll(() => page.textContent('[data-testid=sweep-reference]'), { timeout: 120_000 })
      .toMatch(/Full RTRL’s own improvement \(L̄frozen − L̄full\)\/L̄frozen: -?\d+ %/);
    expectNoDataLeft(requests);
    await expectNoErrorsThenClose(page, errors);
  });

  it('a malformed file: the engine’s message names the row and column, the offered fix works, and the run on show is untouched', async () => {
    const { page, errors } = await app.open('#v=1&n=8&k=2&backend=cpu&seed=7', { viewport: { width: 1280, height: 900 }, points: 1 });
    const hashBefore = new URL(page.url()).hash;
    await openDialog(page);
    await page.setInputFiles('[data-testid=csv-file-input]', BAD);
    const problem = page.locator('[data-testid=csv-problem]');
    await expect.poll(() => problem.getAttribute('data-row'), { timeout: 30_000 }).toBe('17');
    expect(await problem.getAttribute('data-column')).toBe('humidity');
    expect(await problem.textContent()).toMatch(/row 17, column 'humidity': '6l\.5' is not a number/);
    expect(await page.isDisabled('[data-testid=csv-run]')).toBe(true);
    // the plot marks the row at fault
    expect(await page.textContent('[data-testid=csv-problem-marker]')).toBe('row 17');
    await page.locator('[data-testid=csv-dialog]').screenshot({ path: `${OUT}/csv-bad-cell.png` });

    // a missing cell: the engine offers to drop the row or fill forward; fill forward gets past it
    const missing =
      'time,x,y\n' + Array.from({ length: 60 }, (_, i) => `${i + 1},${i === 30 ? '' : Math.sin(i / 3).toFixed(3)},${Math.cos(i / 5).toFixed(3)}`).join('\n');
    await page.setInputFiles('[data-testid=csv-file-input]', { name: 'gap.csv', mimeType: 'text/csv', buffer: Buffer.from(missing) });
    await expect.poll(() => problem.getAttribute('data-row'), { timeout: 30_000 }).toBe('31');
    expect(await problem.getAttribute('data-column')).toBe('x');
    expect(await problem.textContent()).toMatch(/row 31, column 'x': the value is missing/);
    await page.click('[data-testid=csv-fix-ffill]');
    await expect.poll(() => page.textContent('[data-testid=csv-description]'), { timeout: 30_000 }).toMatch(/1 missing cell filled from the row above/);
    expect(await problem.count()).toBe(0);

    // an empty file: one line saying so
    await page.setInputFiles('[data-testid=csv-file-input]', { name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.from('') });
    await expect.poll(() => problem.textContent(), { timeout: 30_000 }).toMatch(/the file is empty/);

    // nothing else lost: the settings and the run on show are as they were
    await page.click('[data-testid=csv-close]');
    expect(new URL(page.url()).hash).toBe(hashBefore);
    expect(await page.textContent('[data-testid=run-line]')).toMatch(/ · sine, n = 8, k = 2/);
    await waitForPoints(page, 50);
    await expectNoErrorsThenClose(page, errors);
  });

  it('a link with task=csv and no file asks for the file, keeps the rest, and runs when the file is dropped on the page', async () => {
    const page = await openPage(app.browser, { viewport: { width: 1280, height: 900 } });
    const errors = collectErrors(page);
    const requests = recordRequests(page);
    const link = '#v=1&task=csv&n=8&k=2&backend=cpu&seed=3&csvInputs=temp,humidity&csvTarget=load&csvHorizon=2&csvDrift=2020-06-01';
    await page.goto(app.url + link);
    await page.waitForSelector('[data-testid=csv-needs-file]');
    expect(await page.textContent('[data-testid=error-notice]')).toMatch(
      /target load from temp, humidity, horizon 2, drift at 2020-06-01.*cannot carry the file itself: drop the CSV or TSV file/,
    );
    // the link's choice is kept as it came (the page writes every setting into it)
    const hash = new URL(page.url()).hash;
    for (const field of ['task=csv', 'n=8', 'k=2', 'seed=3', 'csvInputs=temp%2Chumidity', 'csvTarget=load', 'csvHorizon=2', 'csvDrift=2020-06-01'])
      expect(hash).toContain(field);
    // a drop anywhere on the page, as a file dragged from the desktop
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'csv-small.csv', { type: 'text/csv' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, smallText);
    await waitForPoints(page, 200, 120_000);
    expect(await page.locator('[data-testid=error-notice]').count()).toBe(0);
    expect(await page.textContent('[data-testid=run-line]')).toMatch(/ · csv, n = 8, k = 2/);
    expect(new URL(page.url()).hash).toBe(hash);
    expect(await page.locator('[data-testid=csv-dialog]').count()).toBe(0);
    expectNoDataLeft(requests);
    await expectNoErrorsThenClose(page, errors);
  });
  it('the recorded tasks are named with their source and licence; choosing “your own data” as the task opens the import dialog', async () => {
    const { page, errors } = await app.open('#v=1&task=co2&n=8&k=2&backend=cpu', { viewport: { width: 1280, height: 900 }, points: 5 });
    await page.click('[data-testid=experiment-drawer] summary');
    const option = (task: string) => page.textContent(`#field-task option[value=${task}]`);
    expect(await option('weather')).toBe('Weather, recorded (Seattle; winter → summer)');
    expect(await option('co2')).toBe('CO₂, recorded (Mauna Loa; 1964–89 → 1990–2020)');
    expect(await page.textContent('[data-testid=task-source]')).toMatch(
      /Mauna Loa monthly CO₂, Scripps CO2 Program \(CC BY 4\.0; via vega-datasets\), differenced.*z-scored on 1964–89 only/,
    );
    await page.selectOption('#field-task', 'weather');
    await expect
      .poll(() => page.textContent('[data-testid=task-source]'))
      .toMatch(/NOAA hourly climate normals for Seattle, 1981–2010 \(public domain; via vega-datasets\).*z-scored on winter only/);
    await waitForPoints(page, 5);
    await page.selectOption('#field-task', 'csv');
    await page.waitForSelector('[data-testid=csv-dialog]');
    expect(await page.locator('[data-testid=csv-needs-file]').count()).toBe(0);
    expect(await page.textContent('[data-testid=error-notice]')).toMatch(/Your own data: drop a CSV or TSV file on the page/);
    await expectNoErrorsThenClose(page, errors);
  });
});
