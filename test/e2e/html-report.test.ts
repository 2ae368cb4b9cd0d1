/**
 * The HTML report in Debian's headless Chromium, opened from disk: no console errors, no network
 * request attempted, verdict, charts and findings present, numbers in the DOM equal to the model
 * (the embedded chart data carries only series, so the DOM is checked against the report object),
 * capture strings inert, readable with 1000 streams and with no calls / only SIP, printable.
 * Screenshots go to test-artifacts/ (look at them).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '../../src/model/report.js';
import { renderHtmlReport } from '../../src/outputs/html/render.js';
import {
  compareCells, hasChromium, launchBrowser, openReport, streamCellsFromDom, tableCellsFromDom, type Browser, type OpenedPage,
} from '../helpers/browser.js';
import { demoReport, failReport, manyStreamsReport, noCallsReport, onlySipReport, passReport } from '../helpers/sample-report.js';

const ARTIFACTS = 'test-artifacts';

/** non-transparent pixels per canvas of the open stream cards */
async function canvasInk(o: OpenedPage): Promise<Record<string, number[]>> {
  return o.page.evaluate(() => {
    const out: Record<string, number[]> = {};
    for (const card of document.querySelectorAll('details.stream[open]')) {
      out[card.getAttribute('data-stream') ?? ''] = [...card.querySelectorAll('canvas')].map((c) => {
        const d = c.getContext('2d')?.getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        if (d) for (let i = 3; i < d.length; i += 4) if ((d[i] ?? 0) > 0) n++;
        return n;
      });
    }
    return out;
  });
}

/** DOM numbers against the report object (what --json prints): every streams-table number, by its column */
async function checkNumbers(o: OpenedPage, r: AnalysisReport): Promise<void> {
  const { mismatches, compared } = compareCells(await streamCellsFromDom(o.page), r.streams as unknown as Array<Record<string, unknown>>);
  expect(mismatches).toEqual([]);
  expect(compared).toBe(r.streams.length * 9);
}

/** what the page carries for its charts: the limits and one row per stream with a series */
async function chartDataOf(o: OpenedPage): Promise<{ limits: Record<string, number>; streams: Record<string, unknown[]> }> {
  return o.page.evaluate(() => JSON.parse(document.getElementById('voipready-charts')?.textContent ?? 'null') as { limits: Record<string, number>; streams: Record<string, unknown[]> });
}

describe.skipIf(!hasChromium)('HTML report in headless Chromium (/usr/bin/chromium)', () => {
  let browser: Browser;
  let dir: string;
  const write = (name: string, r: AnalysisReport) => {
    const file = join(dir, name);
    writeFileSync(file, renderHtmlReport(r));
    return pathToFileURL(file).href;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voipready-html-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('failing capture: verdict, charts per stream, findings, DOM numbers = JSON, no errors, no requests', async () => {
    const r = failReport();
    const o = await openReport(browser, write('fail.html', r));
    await o.page.screenshot({ path: join(ARTIFACTS, 'html-report.png'), fullPage: true });
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(await o.page.textContent('#verdict-word')).toBe('FAIL');
    expect(await o.page.textContent('#verdict-reason')).toBe(r.reason);
    const ink = await canvasInk(o);
    expect(Object.keys(ink).sort()).toEqual(r.streams.map((s) => s.id).sort());
    for (const counts of Object.values(ink)) {
      expect(counts).toHaveLength(3);
      for (const n of counts) expect(n).toBeGreaterThan(200);
    }
    expect(await o.page.locator('#findings .finding').count()).toBe(r.findings.length);
    expect(await o.page.locator('#findings [data-severity="fail"] .finding').count()).toBe(r.findings.filter((f) => f.severity === 'fail').length);
    await checkNumbers(o, r);
    const charts = await chartDataOf(o);
    expect(charts.limits).toEqual({ jitterMs: r.thresholds.jitterMs, lossPercent: r.thresholds.lossPercent });
    expect(Object.keys(charts.streams).sort()).toEqual(r.streams.map((s) => s.id).sort());
    // the hostile From/Call-ID/codec/evidence strings are shown as text and did not run
    expect(await o.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    const callCells = await tableCellsFromDom(o.page, '#calls-table', 'data-call');
    expect(callCells.find((c) => c.id === '0' && c.field === 'from')?.text).toBe(r.calls[0]?.from);
    expect(callCells.find((c) => c.id === '0' && c.field === 'verdict')?.text).toBe(r.calls[0]?.verdict.toUpperCase());
    await o.page.close();
  });

  it('passing capture: PASS banner, numbers equal, prints to PDF with the pager hidden', async () => {
    const r = passReport();
    const o = await openReport(browser, write('pass.html', r));
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(await o.page.textContent('#verdict-word')).toBe('PASS');
    await checkNumbers(o, r);
    const pdf = await o.page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(20_000);
    await o.page.close();
  });

  it('1000 streams: opens fast, table paged and filterable, charts drawn when a stream is opened', async () => {
    const r = manyStreamsReport(1000);
    const url = write('many.html', r);
    const t0 = Date.now();
    const o = await openReport(browser, url);
    const loadMs = Date.now() - t0;
    await o.page.screenshot({ path: join(ARTIFACTS, 'html-report-1000-streams.png') });
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(loadMs).toBeLessThan(15_000);
    expect(await o.page.textContent('#verdict-word')).toBe('FAIL');
    expect(await o.page.locator('#streams-table tbody tr:visible').count()).toBe(50);
    expect(await o.page.locator('details.stream canvas').count()).toBe(0);
    await o.page.click('#streams .pager button:has-text("next")');
    expect(await o.page.textContent('#streams-table tbody tr:visible >> nth=0')).toContain('s51');
    await o.page.fill('#streams .pager input', 's999');
    expect(await o.page.locator('#streams-table tbody tr:visible').count()).toBe(1);
    await o.page.click('#streams-table tbody tr:visible a[href="#stream-s999"]');
    await o.page.waitForSelector('#stream-s999[data-drawn="1"] canvas');
    expect(await o.page.locator('#stream-s999 canvas').count()).toBeGreaterThanOrEqual(3);
    expect((await canvasInk(o))['s999']?.every((n) => n > 200)).toBe(true);
    // printing shows every row again
    await o.page.emulateMedia({ media: 'print' });
    expect(await o.page.locator('#streams-table tbody tr:visible').count()).toBe(1000);
    expect(await o.page.locator('#streams .pager').isVisible()).toBe(false);
    await o.page.close();
  });

  it('the README screenshot (demo report): all charts drawn; refresh with cp test-artifacts/html-report-demo.png fixtures/report-screenshot.png', async () => {
    const r = demoReport();
    writeFileSync(join(ARTIFACTS, 'html-report-demo.html'), renderHtmlReport(r));
    const o = await openReport(browser, write('demo.html', r));
    await o.page.screenshot({ path: join(ARTIFACTS, 'html-report-demo.png'), fullPage: true });
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([]);
    const ink = await canvasInk(o);
    expect(Object.keys(ink)).toHaveLength(r.streams.length);
    for (const counts of Object.values(ink)) expect(counts.every((n) => n > 200)).toBe(true);
    await o.page.close();
  });

  it('the harness would notice: a report that loads a remote image is caught (CSP error or request)', async () => {
    const file = join(dir, 'leaky.html');
    writeFileSync(file, renderHtmlReport(passReport()).replace('</main>', '<img src="http://192.0.2.1/x.png" alt=""></main>'));
    const o = await openReport(browser, pathToFileURL(file).href);
    expect([...o.errors, ...o.requests].join('\n')).toMatch(/192\.0\.2\.1/);
    await o.page.close();
  });

  it.each([
    ['no calls', noCallsReport, 'No SIP signalling in this capture'],
    ['only SIP', onlySipReport, 'no RTP packets'],
  ] as const)('%s: never a blank page', async (name, make, text) => {
    const o = await openReport(browser, write(`${name.replace(' ', '-')}.html`, make()));
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(await o.page.locator('#verdict-word').isVisible()).toBe(true);
    expect(await o.page.textContent('body')).toContain(text);
    expect((await o.page.textContent('main'))?.length ?? 0).toBeGreaterThan(1000);
    await o.page.close();
  });
});
