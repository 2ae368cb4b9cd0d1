/**
 * `voipready analyze CAPTURE --json --html FILE` in one run: the numbers shown in the HTML (parsed
 * from the DOM in headless Chromium) equal the --json output of the same run, and the verdict,
 * reason and findings agree. Needs the built CLI (dist/, made by `npm test`), the sample capture
 * and Debian's chromium; skips with the reason otherwise.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalysisReport } from '../../src/model/report.js';
import { compareCells, hasChromium, launchBrowser, openReport, streamCellsFromDom, type Browser } from '../helpers/browser.js';

const CLI = 'dist/cli/main.js';
const CAPTURE = 'fixtures/captures/sample-call.pcapng';
const missing = [
  existsSync(CLI) ? null : `${CLI} (run npm run build)`,
  existsSync(CAPTURE) ? null : CAPTURE,
  hasChromium ? null : '/usr/bin/chromium',
].filter((x): x is string => x !== null);

describe.skipIf(missing.length > 0)(`analyze --html equals --json of the same run${missing.length > 0 ? ` (skipped: missing ${missing.join(', ')})` : ''}`, () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voipready-html-cli-'));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('DOM numbers, verdict, reason and findings equal the JSON', async () => {
    const html = join(dir, 'report.html');
    const run = spawnSync(process.execPath, ['bin/voipready', 'analyze', CAPTURE, '--json', '--html', html, '--no-progress'], { encoding: 'utf8' });
    expect(run.status, run.stderr).not.toBeNull();
    expect([0, 1, 2]).toContain(run.status);
    const json = JSON.parse(run.stdout) as AnalysisReport;
    expect(json.streams.length).toBeGreaterThan(0);

    const o = await openReport(browser, pathToFileURL(html).href);
    mkdirSync('test-artifacts', { recursive: true });
    await o.page.screenshot({ path: 'test-artifacts/html-report-sample-call.png', fullPage: true });
    expect(o.errors).toEqual([]);
    expect(o.requests).toEqual([]);
    expect(await o.page.textContent('#verdict-word')).toBe(json.verdict.toUpperCase());
    expect(await o.page.textContent('#verdict-reason')).toBe(json.reason);
    const { mismatches, compared } = compareCells(await streamCellsFromDom(o.page), json.streams as unknown as Array<Record<string, unknown>>);
    expect(mismatches).toEqual([]);
    expect(compared).toBe(json.streams.length * 9);
    expect(await o.page.locator('#findings .finding').count()).toBe(Math.min(json.findings.length, 50 * new Set(json.findings.map((f) => `${f.severity}:${f.code}`)).size));
    expect(await o.page.locator('#calls-table tbody tr').count()).toBe(json.calls.length);
    // one drawn chart set per stream (the sample has few streams, so all are open)
    const canvases = await o.page.locator('details.stream[data-drawn="1"]').count();
    expect(canvases).toBe(json.streams.length);
    await o.page.close();
  });
});
