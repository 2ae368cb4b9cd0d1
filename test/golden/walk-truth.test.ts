/**
 * The report never says what the capture contradicts: every capture in ../shared/pcaps/public (skipped,
 * saying so, when absent) and every capture under fixtures/ is analysed by the real CLI (--json, and the
 * terminal report with --html beside it), and the test fails on
 *  - a negative loss shown anywhere: the JSON's lossPercent / lostCounted, the terminal's stream table
 *    and summary, the HTML's summary rows and stream table;
 *  - a summary row that contradicts a finding: LOSS_HIGH with the loss row "not measurable" or PASS, a
 *    FAIL row without a failing finding of its criterion;
 *  - a one-way-audio finding on a call whose SDP never asked for audio both ways;
 *  - "no SIP" where SIP was decoded (tshark's SIP count next to each public capture, the generator's
 *    truth next to each fixture, and our own calls and registrations).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, analyzeJson, runCli } from '../helpers/cli.js';

const PUBLIC = join(ROOT, '..', 'shared', 'pcaps', 'public');
const FIXTURES = join(ROOT, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'voipready-walk-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function capturesUnder(d: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(d)) {
    const p = join(d, e);
    if (statSync(p).isDirectory()) out.push(...capturesUnder(p));
    else if (/\.pcap(ng)?$/.test(e)) out.push(p);
  }
  return out.sort();
}

/** SIP messages an independent reader saw: tshark's count beside a public capture, the truth's beside a fixture */
function sipOracle(capture: string): number | null {
  const base = capture.replace(/\.pcap(ng)?$/, '');
  if (existsSync(`${base}.tshark.txt`)) {
    const counts = [...readFileSync(`${base}.tshark.txt`, 'utf8').matchAll(/Number of SIP messages: (\d+)/g)].map((m) => Number(m[1]));
    return counts.length === 0 ? null : Math.max(...counts);
  }
  if (existsSync(`${base}.truth.json`)) return (JSON.parse(readFileSync(`${base}.truth.json`, 'utf8')) as { sipMessages: number }).sipMessages;
  return null;
}

/** finding code -> the summary row (criterion) it belongs to */
const ROW_OF: Record<string, string> = {
  LOSS_HIGH: 'loss', JITTER_HIGH: 'jitter', JITTER_SPIKE: 'jitter', DSCP_RTP_NOT_EF: 'dscp', DSCP_CHANGED: 'dscp',
  PORT_OUT_OF_RANGE: 'ports', TOTAL_DELAY_HIGH: 'totalDelay', LINK_UTILISATION_HIGH: 'linkUtilisation',
};
const RANK: Record<string, number> = { 'n/a': -1, info: 0, pass: 0, warn: 1, fail: 2 };

/** RFC 3264 read by hand: an answer whose audio line and its offer's both say sendrecv (c= not 0.0.0.0) */
function sdpWantsBothWays(call: any): boolean {
  const lines: any[] = call?.sdp ?? [];
  if (lines.length === 0) return true; // no SDP says otherwise
  const audio = lines.filter((m) => m.media === 'audio' && /RTP/.test(m.protocol));
  return audio.some((a) => a.side === 'answer' && a.direction === 'sendrecv' && !a.address.startsWith('0.0.0.0:')
    && audio.some((o) => o.side === 'offer' && o.byCaller !== a.byCaller && o.packet <= a.packet && o.direction === 'sendrecv' && !o.address.startsWith('0.0.0.0:')));
}

/** every way the report could show a negative loss, in words (empty: none) */
function negativeLosses(report: any, text: string, html: string): string[] {
  const bad: string[] = [];
  for (const s of report.streams) {
    if (!(s.lossPercent >= 0)) bad.push(`JSON ${s.id} lossPercent ${s.lossPercent}`);
    if (!(s.lostCounted >= 0)) bad.push(`JSON ${s.id} lostCounted ${s.lostCounted}`);
  }
  for (const r of report.summary) if (/-\d[\d.]* ?%/.test(r.measured ?? '')) bad.push(`JSON summary ${r.criterion}: ${r.measured}`);
  // the terminal: the summary and the stream table (lost and loss columns)
  for (const line of text.split('\n')) {
    if (/^\s+(Packet loss|s\d+\s)/.test(line) && /\s-\d[\d.]*(\*| %|\s)/.test(line)) bad.push(`text: ${line.trim()}`);
  }
  // the HTML: any table cell that starts with a minus sign next to a loss
  for (const m of html.matchAll(/<tr[^>]*>(.*?)<\/tr>/gs)) {
    const row = m[1]!;
    if (/[Ll]oss/.test(row) && /<td[^>]*>\s*[-\u2212]\d/.test(row)) bad.push(`HTML row: ${row.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 120)}`);
  }
  for (const m of html.matchAll(/<tr class="row-[a-z]+" data-stream="[^"]*">(.*?)<\/tr>/gs)) {
    if (/<td>\s*-\d/.test(m[1]!)) bad.push(`HTML stream row: ${m[1]!.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').slice(0, 120)}`);
  }
  return bad;
}

/** summary rows against the findings of their criterion (empty: they agree) */
function contradictions(report: any, text: string): string[] {
  const bad: string[] = [];
  const rows = new Map<string, any>(report.summary.map((r: any) => [r.criterion, r]));
  for (const f of report.findings) {
    const crit = ROW_OF[f.code];
    if (crit === undefined || f.severity === 'info') continue;
    const row = rows.get(crit);
    if (row === undefined || row.measured === null) {
      bad.push(`${f.code} (${f.severity}) while the ${crit} row is not measurable`);
      continue;
    }
    if (RANK[row.verdict]! < RANK[f.severity]!) bad.push(`${f.code} (${f.severity}) while the ${crit} row says ${row.verdict}`);
    const label = String(row.label);
    const line = text.split('\n').find((l) => l.trimStart().startsWith(label));
    if (line !== undefined && /not measurable/.test(line)) bad.push(`${f.code} while the terminal's "${label}" says not measurable`);
  }
  for (const row of report.summary) {
    if (row.verdict !== 'warn' && row.verdict !== 'fail') continue;
    const has = report.findings.some((f: any) => ROW_OF[f.code] === row.criterion && RANK[f.severity]! >= RANK[row.verdict]!);
    if (!has) bad.push(`the ${row.criterion} row says ${row.verdict} without such a finding`);
  }
  return bad;
}

function walk(capture: string): void {
  const { report, result } = analyzeJson(capture);
  // an unreadable capture is an input error (exit 4), not a report: nothing more to hold it to
  if (result.status === 4) return;
  const html = join(tmp, 'walk.html');
  const term = runCli(['analyze', capture, '--html', html, '--no-progress']);
  expect([0, 1]).toContain(term.status);
  const page = readFileSync(html, 'utf8');
  expect(negativeLosses(report, term.stdout, page)).toEqual([]);
  expect(contradictions(report, term.stdout)).toEqual([]);
  for (const f of report.findings.filter((x: any) => x.code === 'ONE_WAY_AUDIO')) {
    const call = report.calls.find((c: any) => c.callId === f.callId);
    expect(sdpWantsBothWays(call), `ONE_WAY_AUDIO on ${f.callId} whose SDP is one-way`).toBe(true);
  }
  const oracle = sipOracle(capture);
  const decoded = report.calls.length + (report.registrations?.length ?? 0);
  if ((oracle !== null && oracle > 0) || decoded > 0) {
    expect(term.stdout).not.toMatch(/no SIP signalling/i);
    expect(report.reason).not.toMatch(/no SIP/i);
    expect(page).not.toMatch(/no SIP signalling/i);
  }
  if (oracle !== null && oracle > 0) expect(decoded, 'tshark/truth saw SIP: calls or registrations expected').toBeGreaterThan(0);
}

const publicCaptures = existsSync(PUBLIC) ? readdirSync(PUBLIC).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => join(PUBLIC, f)) : [];

describe.skipIf(publicCaptures.length === 0)('walk: the public captures (../shared/pcaps/public; skipped when absent)', () => {
  it.each(publicCaptures.map((p) => [p.slice(PUBLIC.length + 1), p]))('%s', (_name, path) => walk(path));
});

describe('walk: every capture under fixtures/', () => {
  const fixtures = capturesUnder(FIXTURES);
  it('finds the fixtures', () => expect(fixtures.length).toBeGreaterThanOrEqual(10));
  it.each(fixtures.map((p) => [p.slice(FIXTURES.length + 1), p]))('%s', (_name, path) => walk(path));
});

describe('the walk\'s checks can fail', () => {
  const stream = { id: 's1', lossPercent: -25, lostCounted: 0 };
  it('sees a negative loss in JSON, text and HTML', () => {
    expect(negativeLosses({ streams: [stream], summary: [] }, '', '')).toHaveLength(1);
    expect(negativeLosses({ streams: [], summary: [] }, '  s1  a -> b  0x1  PT101  10  -2    -25.0 %  n/a', '')).toHaveLength(1);
    expect(negativeLosses({ streams: [], summary: [] }, '', '<tr><th>Packet loss</th><td>-22.94 %</td></tr>')).toHaveLength(1);
  });
  it('sees LOSS_HIGH next to a loss row that is not measurable, and a FAIL row without a finding', () => {
    const row = { criterion: 'loss', label: 'Packet loss', measured: null, verdict: 'n/a' };
    expect(contradictions({ summary: [row], findings: [{ code: 'LOSS_HIGH', severity: 'fail' }] }, '')).toHaveLength(1);
    expect(contradictions({ summary: [{ ...row, measured: '5 %', verdict: 'fail' }], findings: [] }, '')).toHaveLength(1);
  });
  it('reads one-way SDP as one-way', () => {
    const sdp = (side: string, byCaller: boolean, direction: string) => ({ packet: side === 'offer' ? 1 : 2, side, byCaller, media: 'audio', protocol: 'RTP/AVP', address: '10.0.0.1:4000', direction });
    expect(sdpWantsBothWays({ sdp: [sdp('offer', true, 'sendonly'), sdp('answer', false, 'recvonly')] })).toBe(false);
    expect(sdpWantsBothWays({ sdp: [sdp('offer', true, 'sendrecv'), sdp('answer', false, 'sendrecv')] })).toBe(true);
  });
});
