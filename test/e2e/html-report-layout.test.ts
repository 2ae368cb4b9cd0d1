/**
 * The HTML report's layout and chart axes in headless Chromium (issue 15):
 * - with IPv6 addresses (the real ipv6-call capture, and the longest IPv6 text there is) the streams
 *   table fits a 1,400 px window: no horizontal scrolling, the verdict column on screen;
 * - chart time axes are ISO 8601 UTC whatever the browser's time zone (here Los Angeles);
 * - a stream of a handful of packets (a 10-packet DTMF burst) gets a sentence, not three empty charts;
 * - the title is the capture's file name, not its local path; --title and --customer show.
 * Screenshots go to test-artifacts/ (look at them).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import type { AnalysisReport, StreamReport } from '../../src/model/report.js';
import { renderHtmlReport } from '../../src/outputs/html/render.js';
import { analyzeSource } from '../../src/pipeline/analyze-source.js';
import { hasChromium, launchBrowser, openReport, type Browser, type OpenedPage } from '../helpers/browser.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { passReport } from '../helpers/sample-report.js';

const ARTIFACTS = 'test-artifacts';
const WIDTH = 1400;
/** the longest IPv6 text: eight full groups, and a five-digit port */
const LONG_A = '[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:40000';
const LONG_B = '[fd12:3456:789a:0001:ffff:ffff:ffff:fffe]:65534';

/** where the streams table ends against its box and the window, and where the verdict column is */
async function tableFit(o: OpenedPage): Promise<{ page: number; window: number; boxScroll: number; boxClient: number; verdictRight: number; boxRight: number }> {
  return o.page.evaluate(() => {
    const table = document.getElementById('streams-table')!;
    const box = table.parentElement!;
    const verdict = table.querySelector('th[data-field="verdict"]')!.getBoundingClientRect();
    return {
      page: document.documentElement.scrollWidth, window: window.innerWidth,
      boxScroll: box.scrollWidth, boxClient: box.clientWidth,
      verdictRight: verdict.right, boxRight: box.getBoundingClientRect().right,
    };
  });
}

function withLongAddresses(r: AnalysisReport): AnalysisReport {
  const streams: StreamReport[] = r.streams.map((s, i) => ({ ...s, src: i % 2 === 0 ? LONG_A : LONG_B, dst: i % 2 === 0 ? LONG_B : LONG_A, dscp: { '0': 10, '46': s.packets - 10 } }));
  return { ...r, streams };
}

describe.skipIf(!hasChromium)('HTML report layout at 1,400 px, chart axes in UTC', () => {
  let browser: Browser;
  let dir: string;
  const write = (name: string, r: AnalysisReport, opts = {}): string => {
    const file = join(dir, name);
    writeFileSync(file, renderHtmlReport(r, opts));
    return pathToFileURL(file).href;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vrct-html-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchBrowser({ viewport: { width: WIDTH, height: 1000 }, timezoneId: 'America/Los_Angeles' });
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['the ipv6-call capture', 'real'],
    ['the longest IPv6 addresses', 'long'],
  ])('%s: the streams table fits, the verdict column is on screen', async (_name, kind) => {
    const real = await analyzeSource(join(ROOT, 'fixtures', 'captures', 'ipv6-call.pcapng'), { settings: loadSettings(), series: true });
    expect(real.streams[0]?.src).toMatch(/^\[2001:db8:/);
    const r = kind === 'real' ? real : withLongAddresses(real);
    const o = await openReport(browser, write(`ipv6-${kind}.html`, r));
    await o.page.locator('#streams').screenshot({ path: join(ARTIFACTS, `html-ipv6-${kind}-1400.png`) });
    const fit = await tableFit(o);
    expect(fit.window).toBe(WIDTH);
    expect(fit.page).toBeLessThanOrEqual(WIDTH);
    expect(fit.boxScroll).toBeLessThanOrEqual(fit.boxClient);
    expect(fit.verdictRight).toBeLessThanOrEqual(fit.boxRight + 0.5);
    // every address is shown whole (wrapped, not cut)
    const cells = await o.page.locator('#streams-table tbody td:nth-child(3)').allInnerTexts();
    cells.forEach((c, i) => expect(c.replace(/\s+/g, ' ')).toBe(`${r.streams[i]!.src} → ${r.streams[i]!.dst}`));
    expect(o.errors).toEqual([]);
    await o.page.close();
  });

  it('chart time axes are ISO 8601 UTC although the browser is in Los Angeles', async () => {
    const r = passReport();
    const o = await openReport(browser, write('pass.html', r));
    const t0 = Date.parse('2026-01-01T00:00:00Z') / 1000; // 2025-12-31 16:00 in Los Angeles
    const out = await o.page.evaluate((t) => {
      const charts = [...document.querySelectorAll('.chart')] as Array<HTMLElement & { uplot?: { axes: Array<{ values: (u: unknown, s: number[]) => string[] }> } }>;
      const u = charts[0]?.uplot;
      return {
        charts: charts.length,
        withUplot: charts.filter((c) => c.uplot !== undefined).length,
        seconds: u?.axes[0]?.values(u, [t, t + 10, t + 20]),
        subSecond: u?.axes[0]?.values(u, [t + 86399.5, t + 86399.75, t + 86400]),
        localHour: new Date(t * 1000).getHours(),
      };
    }, t0);
    expect(out.localHour).toBe(16); // the page's own clock is not UTC
    expect(out.charts).toBe(6);
    expect(out.withUplot).toBe(6);
    expect(out.seconds).toEqual(['2026-01-01\n00:00:00', '00:00:10', '00:00:20']);
    expect(out.subSecond).toEqual(['2026-01-01\n23:59:59.500', '23:59:59.750', '2026-01-02\n00:00:00.000']);
    await o.page.locator('details.stream').first().screenshot({ path: join(ARTIFACTS, 'html-utc-axes.png') });
    await o.page.close();
  });

  it('a 10-packet DTMF stream gets a sentence instead of empty charts; the voice streams keep theirs', async () => {
    const base = passReport();
    const dtmf: StreamReport = {
      ...base.streams[0]!, id: 's3', ssrc: '0x0000dd01', payloadType: 101, codec: 'telephone-event', packets: 10, expected: 10,
      telephoneEventPackets: 10, durationSeconds: 0.2, series: { intervalSeconds: 1, start: 1767225605, packets: [10], lost: [0], jitterMs: [0.1], maxDeltaMs: [20] },
    };
    const r: AnalysisReport = { ...base, streams: [...base.streams, dtmf], calls: base.calls.map((c) => ({ ...c, streams: [...c.streams, 's3'] })) };
    const o = await openReport(browser, write('dtmf.html', r));
    const perCard = await o.page.evaluate(() => [...document.querySelectorAll('details.stream')].map((d) => ({
      id: d.getAttribute('data-stream'), canvases: d.querySelectorAll('.chart').length, note: d.querySelector('.no-charts')?.textContent ?? null,
    })));
    expect(perCard).toEqual([
      { id: 's1', canvases: 3, note: null },
      { id: 's2', canvases: 3, note: null },
      { id: 's3', canvases: 0, note: 'No charts: 10 packets in 0.2 s fill a single interval of 1 s; its numbers are in the table above.' },
    ]);
    expect(o.errors).toEqual([]);
    await o.page.close();
  });
});

describe('title and customer (analyze --html)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'vrct-title-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const capture = join(ROOT, 'fixtures', 'captures', 'clean-call.pcap');

  it('the title names the capture file, not the local path', () => {
    const out = join(tmp, 'a.html');
    expect(runCli(['analyze', capture, '--html', out]).status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>VoIP-Ready report: clean-call.pcap – PASS</title>');
    expect(html).toContain('<h1 id="report-title">VoIP-Ready report: clean-call.pcap</h1>');
    expect(html).not.toContain(ROOT);
  });

  it('--title, --customer and the config\'s site', () => {
    const out = join(tmp, 'b.html');
    const cfg = join(tmp, 'site.yaml');
    writeFileSync(cfg, 'site: Berlin HQ\n');
    const r = runCli(['analyze', capture, '--html', out, '--title', 'Acme <VoIP> check', '--customer', 'Acme & Co', '--config', cfg]);
    expect(r.status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('<title>Acme &lt;VoIP&gt; check – PASS</title>');
    expect(html).toContain('<h1 id="report-title">Acme &lt;VoIP&gt; check</h1>');
    expect(html).toContain('Customer <b id="report-customer">Acme &amp; Co</b> · Site <b id="report-site">Berlin HQ</b> · Capture <span class="mono">clean-call.pcap</span>');
  });

  it('--title without --html is a usage error', () => {
    expect(runCli(['analyze', capture, '--title', 'x']).status).toBe(3);
  });
});
