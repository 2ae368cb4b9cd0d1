/**
 * Headless Debian Chromium for the HTML report tests: a fresh empty profile, no sandbox, no
 * background networking, and every request that is not the opened file:// page recorded and
 * aborted, so a test can assert that the report never tries to reach the network.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** `viewport` and `timezoneId` (the browser's local zone, e.g. to show that charts ignore it) are optional */
export async function launchBrowser(opts: { viewport?: { width: number; height: number }; timezoneId?: string } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'voipready-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, args: ARGS, viewport: opts.viewport ?? { width: 1280, height: 900 },
    ...(opts.timezoneId !== undefined ? { timezoneId: opts.timezoneId } : {}),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface OpenedPage {
  page: Page;
  /** console messages of type error, and uncaught page errors */
  errors: string[];
  /** every request other than the page's own file URL (each one was aborted) */
  requests: string[];
}

/** opens a file:// URL; records console errors and any other request (and aborts it) */
export async function openReport(b: Browser, fileUrl: string): Promise<OpenedPage> {
  const page = await b.context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === fileUrl) return route.continue();
    requests.push(url);
    return route.abort();
  });
  // requests the router does not see (e.g. blocked by the CSP before leaving) still fire 'request'
  page.on('request', (r) => { if (r.url() !== fileUrl && !requests.includes(r.url())) requests.push(r.url()); });
  await page.goto(fileUrl, { waitUntil: 'load' });
  return { page, errors, requests };
}

export interface StreamCell {
  id: string;
  field: string;
  /** the cell's text as shown */
  text: string;
}

/**
 * every cell of the streams table under a header with data-field, as (row's data-stream, field,
 * text): the report names the field once on the column's <th>, not on each cell, so the cell is
 * found by its column position
 */
export async function streamCellsFromDom(page: Page): Promise<StreamCell[]> {
  return tableCellsFromDom(page, '#streams-table', 'data-stream');
}

/** the same for any report table: the row is named by `rowAttr` (data-stream, data-call) */
export async function tableCellsFromDom(page: Page, table: string, rowAttr: string): Promise<StreamCell[]> {
  return page.evaluate(([sel, attr]) => {
    const t = document.querySelector<HTMLTableElement>(sel);
    const out: Array<{ id: string; field: string; text: string }> = [];
    if (t === null) return out;
    const fields = [...t.querySelectorAll('thead th')].map((th) => th.getAttribute('data-field'));
    for (const tr of t.querySelectorAll(`tbody tr[${attr}]`)) {
      [...tr.children].forEach((td, i) => {
        const field = fields[i];
        if (field) out.push({ id: tr.getAttribute(attr) ?? '', field, text: (td.textContent ?? '').trim() });
      });
    }
    return out;
  }, [table, rowAttr] as const);
}

/** display precision of the streams table (the report's contract: ms 3 decimals, % 2, counts 0) */
export const SHOWN_DECIMALS: Record<string, number> = {
  packets: 0, expected: 0, lost: 0, lossPercent: 2, longestLossBurst: 0, sequenceErrors: 0, jitterMeanMs: 3, jitterMaxMs: 3, maxDeltaMs: 3,
};

/**
 * Differences between the shown cells and the JSON streams (by id): a number must equal the JSON
 * value rounded to its display precision; the verdict must be the JSON verdict in capitals.
 * Returns the list of mismatches (empty when all agree) and how many numbers were compared.
 */
export function compareCells(cells: StreamCell[], streams: Array<Record<string, unknown>>): { mismatches: string[]; compared: number } {
  const byId = new Map(streams.map((s) => [String(s['id']), s]));
  const mismatches: string[] = [];
  let compared = 0;
  for (const c of cells) {
    const json = byId.get(c.id)?.[c.field];
    if (c.field === 'verdict') {
      if (c.text !== String(json).toUpperCase()) mismatches.push(`${c.id}.verdict: ${c.text} vs ${String(json)}`);
      continue;
    }
    const d = SHOWN_DECIMALS[c.field];
    if (d === undefined) continue;
    compared++;
    if (typeof json !== 'number' || !(Math.abs(Number(c.text) - json) <= 0.5 * 10 ** -d + 1e-9)) {
      mismatches.push(`${c.id}.${c.field}: shown ${c.text}, JSON ${String(json)}`);
    }
  }
  return { mismatches, compared };
}
