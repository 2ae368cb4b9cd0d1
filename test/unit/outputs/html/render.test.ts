import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chartData, type ChartData } from '../../../../src/outputs/html/chart-data.js';
import { renderHtmlReport } from '../../../../src/outputs/html/render.js';
import {
  emptyReport, failReport, manyStreamsReport, noCallsReport, onlySipReport, passReport,
} from '../../../helpers/sample-report.js';

/** the embedded chart data, read back the way the browser script does */
function embedded(html: string): ChartData {
  const m = /<script type="application\/json" id="voipready-charts">([^<]*)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m?.[1] ?? 'null') as ChartData;
}

/** the data-field names of a table's columns, from its <thead> */
function columnFields(html: string, tableId: string): Array<string | null> {
  const head = new RegExp(`<table id="${tableId}"[^>]*><thead><tr>(.*?)</tr></thead>`, 's').exec(html)?.[1] ?? '';
  return [...head.matchAll(/<th\b([^>]*)>/g)].map((m) => /data-field="([^"]+)"/.exec(m[1] ?? '')?.[1] ?? null);
}

/** row id -> field -> cell text, rows named by `rowAttr`, fields from the column headers */
function tableCells(html: string, tableId: string, rowAttr: string): Map<string, Map<string, string>> {
  const fields = columnFields(html, tableId);
  const body = new RegExp(`<table id="${tableId}".*?<tbody>(.*?)</tbody>`, 's').exec(html)?.[1] ?? '';
  const out = new Map<string, Map<string, string>>();
  for (const row of body.matchAll(new RegExp(`<tr [^>]*${rowAttr}="([^"]+)"[^>]*>(.*?)</tr>`, 'gs'))) {
    const cells = new Map<string, string>();
    [...(row[2] ?? '').matchAll(/<td\b[^>]*>(.*?)<\/td>/gs)].forEach((c, i) => {
      const f = fields[i];
      if (f) cells.set(f, c[1] ?? '');
    });
    out.set(row[1] ?? '', cells);
  }
  return out;
}

const streamCells = (html: string) => tableCells(html, 'streams-table', 'data-stream');

const DECIMALS: Record<string, number> = {
  packets: 0, expectedCounted: 0, lostCounted: 0, lossPercent: 2, longestLossBurst: 0, sequenceErrors: 0, jitterMeanMs: 3, jitterMaxMs: 3, maxDeltaMs: 3,
};

describe('renderHtmlReport: one self-contained file', () => {
  const html = renderHtmlReport(failReport());

  it('fetches nothing: no external src/href, no <link>, no @import or url()', () => {
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/\bsrc\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/href\s*=\s*["'](?!#)/i);
    expect(html).not.toMatch(/@import/i);
    expect(html).not.toMatch(/url\(\s*["']?(?:https?:)?\/\//i);
  });

  it('allows exactly its own inline scripts by hash and no connections', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    const scripts = [...html.matchAll(/<script>(.*?)<\/script>/gs)].map((m) => m[1] ?? '');
    expect(scripts).toHaveLength(2);
    for (const s of scripts) {
      const hash = createHash('sha256').update(s, 'utf8').digest('base64');
      expect(csp).toContain(`'sha256-${hash}'`);
    }
    expect(scripts[0]).toContain('uPlot');
  });

  it('embeds the chart data once, not the model: the limits and the series of each stream', () => {
    const r = failReport();
    const m = embedded(html);
    expect(m).toEqual(JSON.parse(JSON.stringify(chartData(r))));
    expect(m.limits).toEqual({ jitterMs: r.thresholds.jitterMs, lossPercent: r.thresholds.lossPercent });
    expect(Object.keys(m.streams)).toEqual(r.streams.map((s) => s.id));
    expect(html.match(/id="voipready-charts"/g)).toHaveLength(1);
    // the facts of the tables are markup only; the model is what --json is for
    const json = /id="voipready-charts">([^<]*)</.exec(html)?.[1] ?? '';
    for (const field of ['jitterMeanMs', 'callId', 'findings', 'ssrc']) expect(json).not.toContain(`"${field}"`);
  });

  it('keeps capture strings inert: the hostile display name never appears as markup', () => {
    expect(failReport().calls[0]?.from).toContain('<script>');
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    // nothing of the capture's strings is in the embedded chart data, and it has no "<" at all
    expect(/id="voipready-charts">([^<]*)</.exec(html)?.[1]).not.toContain('script');
  });
});

describe('renderHtmlReport: content', () => {
  it('shows every stream number as the model value at display precision', () => {
    for (const r of [passReport(), failReport(), manyStreamsReport(60, 10)]) {
      const cells = streamCells(renderHtmlReport(r));
      expect(cells.size).toBe(r.streams.length);
      for (const s of r.streams) {
        const row = cells.get(s.id);
        for (const [field, d] of Object.entries(DECIMALS)) {
          const text = row?.get(field);
          expect(text, `${s.id}.${field}`).toBeDefined();
          const shown = Number(text);
          expect(Math.abs(shown - (s[field as keyof typeof s] as number)), `${s.id}.${field}`).toBeLessThanOrEqual(0.5 * 10 ** -d + 1e-9);
        }
        expect(row?.get('verdict')).toBe(s.verdict.toUpperCase());
      }
    }
  });

  it('hand-checked numbers of the failing stream', () => {
    const row = streamCells(renderHtmlReport(failReport())).get('s1');
    expect(row?.get('lostCounted')).toBe('100');
    expect(row?.get('lossPercent')).toBe('10.00');
    expect(row?.get('jitterMaxMs')).toBe('45.678');
    expect(row?.get('maxDeltaMs')).toBe('812.500');
    expect(row?.get('dscp')).toContain('CS0 (0)');
  });

  it('puts the verdict, the reason and the limits worst first', () => {
    const r = failReport();
    const html = renderHtmlReport(r);
    expect(html).toContain('<div class="word" id="verdict-word">FAIL</div>');
    expect(r.reason.length).toBeGreaterThan(0);
    expect(html).toContain(`<div class="reason" id="verdict-reason">${r.reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</div>`);
    const order = [...html.matchAll(/<tr class="row-(fail|warn|pass|na)" data-criterion/g)].map((m) => m[1]);
    const rank = { fail: 0, warn: 1, pass: 2, na: 3 } as Record<string, number>;
    expect(order.length).toBe(r.summary.length);
    expect(order.map((v) => rank[v ?? 'na'])).toEqual([...order.map((v) => rank[v ?? 'na'])].sort());
  });

  it('groups findings by severity, fail first, with advice and escaped evidence', () => {
    const html = renderHtmlReport(failReport());
    const fail = html.indexOf('data-severity="fail"');
    const warn = html.indexOf('data-severity="warn"');
    const info = html.indexOf('data-severity="info"');
    expect(fail).toBeGreaterThan(0);
    expect(warn).toBeGreaterThan(fail);
    expect(info).toBeGreaterThan(warn);
    expect(html).toContain('data-code="LOSS_HIGH"');
    expect(html).toContain('Look for a congested or faulty link');
    expect(html).toContain('<code>c=IN IP4 192.168.1.10</code>');
    expect(html).toContain('<b>To do:</b> Set the public address on the PBX.');
    expect(html).toMatch(/data-code="SOMETHING_NEW"[\s\S]*something unusual/);
  });

  it('lists calls with caller, callee, setup, status, duration and links to their streams', () => {
    const html = renderHtmlReport(passReport());
    const row = tableCells(html, 'calls-table', 'data-call').get('0');
    expect(row?.get('from')).toBe('alice@example.com');
    expect(row?.get('to')).toBe('bob@example.com');
    expect(row?.get('setupMs')).toBe('1200 ms');
    expect(row?.get('finalStatus')).toBe('200');
    expect(row?.get('durationSeconds')).toBe('10.0 s');
    expect(row?.get('verdict')).toBe('PASS');
    expect(row?.get('streams')).toBe('<a href="#stream-s1">s1</a> <a href="#stream-s2">s2</a>');
    expect(html).toMatch(/<details class="stream" id="stream-s1" data-stream="s1" open>/);
  });
});

describe('renderHtmlReport: unusual captures stay readable', () => {
  it('no calls: says so and still shows the streams', () => {
    const html = renderHtmlReport(noCallsReport());
    expect(html).toContain('No SIP signalling in this capture');
    expect(html).toContain('Streams (no signalling in the capture)');
    expect(streamCells(html).size).toBe(1);
  });

  it('only SIP: the call is listed and the missing media is explained', () => {
    const html = renderHtmlReport(onlySipReport());
    expect(tableCells(html, 'calls-table', 'data-call').get('0')?.get('finalStatus')).toBe('486');
    expect(html).toContain('no RTP packets');
    expect(html).toContain('<span class="empty">no RTP</span>');
  });

  it('an empty capture still renders a verdict and the metadata', () => {
    const html = renderHtmlReport(emptyReport());
    expect(html).toMatch(/id="verdict-word">(PASS|WARN|FAIL)</);
    expect(html).toContain('No RTP streams in this capture.');
    expect(html).toContain('data-field="packets" data-value="0"');
  });

  it('1000 streams: every row rendered, table paged, details collapsed, bounded size and time', () => {
    const r = manyStreamsReport(1000);
    const t0 = performance.now();
    const html = renderHtmlReport(r);
    const ms = performance.now() - t0;
    expect(streamCells(html).size).toBe(1000);
    expect(html).toContain('<table id="streams-table" data-paged="1">');
    expect(html).not.toMatch(/<details class="stream"[^>]* open>/);
    expect(html.match(/<details class="stream"/g)).toHaveLength(1000);
    // series share a fixed point budget: 120 s each would be 120 points; 15 000 / 1000 -> 15 each
    expect(embedded(html).streams['s1']?.[3]).toHaveLength(15);
    expect(Buffer.byteLength(html)).toBeLessThan(1.5e6);
    expect(ms).toBeLessThan(3000);
  });

  it('1000 streams of 5 minutes stay comfortably under the 2 MB target', () => {
    const html = renderHtmlReport(manyStreamsReport(1000, 300));
    // 2.9 MB before the embedded model was reduced to chart data and the rows to bare cells
    expect(Buffer.byteLength(html)).toBeLessThan(1.6e6);
  });
});
