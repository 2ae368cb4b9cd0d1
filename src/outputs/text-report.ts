/**
 * The terminal report: verdict and reason first, then the limits side by side with what was
 * measured, the findings (worst first, with where to look), then calls and streams.
 * Rendered from the same AnalysisReport as --json: no second computation.
 */
import type { AnalysisReport, CallReport, Finding, ProbeDirection, ProbeReport, ProxyReport, StreamReport, Verdict } from '../model/report.js';
import { adviceFor, hasAdvice } from './html/advice.js';
import { undecodedLines } from './text-undecoded.js';
import { registrationLines } from './text-registrations.js';
import { dscpName } from '../model/dscp-name.js';
import { jitterKnown, lossReason } from '../model/stream-figures.js';

export interface TextOptions {
  color: boolean;
  /** the terminal width; long tables are cut to it */
  width?: number;
  maxFindings?: number;
  maxStreams?: number;
}

export function renderText(r: AnalysisReport, opts: TextOptions): string {
  const c = painter(opts.color);
  const out: string[] = [];
  const i = r.input;
  out.push(`${c.bold('voipready')} ${r.tool.version}  ${i.file}  ${i.packets} packets, ${i.durationSeconds.toFixed(1)} s, ${i.linkTypes.join('/') || 'no link type'}  profile: ${r.profile}`);
  if (i.error) out.push(c.yellow(`input: ${i.error.message} (everything before it is analysed)`));
  const ret = r.retention;
  if (ret.streamsNotListed > 0 || ret.callsNotListed > 0) {
    out.push(c.dim(`long run: ${ret.streamsRetired} streams and ${ret.callsRetired} calls finalised as it went; the oldest ${ret.streamsNotListed} streams and ${ret.callsNotListed} calls are counted, not listed`));
  }
  out.push('');
  out.push(`${c.verdict(r.verdict, `VERDICT: ${r.verdict.toUpperCase()}`)}  ${r.reason}`);
  const top = r.findings.find((f) => f.severity === r.verdict && hasAdvice(f.code));
  if (top !== undefined) {
    const a = adviceFor(top.code);
    out.push(`${c.bold('What it means:')} ${a.meaning}`);
    out.push(`${c.bold('What to do:')}    ${a.action}${top.packet !== undefined ? ` First packet: ${top.packet} (Wireshark filter: frame.number == ${top.packet}).` : ''}`);
  }
  out.push('');
  out.push(c.bold('VoIP-Ready limits'));
  out.push(...table(['criterion', 'limit', 'measured', ''], r.summary.map((s) => [s.label, s.limit, s.measured ?? 'not measurable from this capture', s.verdict === 'n/a' ? c.dim('n/a') : c.verdict(s.verdict, s.verdict.toUpperCase())])));
  out.push('');
  if (r.probe !== null) out.push(...probeSection(r.probe, c));
  if (r.proxy !== undefined) out.push(...proxySection(r.proxy, r.streams, c));
  out.push(...findings(r.findings, c, opts.maxFindings ?? 20));
  if (r.probe !== null) return out.join('\n') + '\n';
  out.push(...undecodedLines(r, c.bold, c.dim));
  out.push(...calls(r.calls, c, r.registrations?.length ?? 0));
  out.push(...registrationLines(r.registrations, c.bold, table));
  out.push(...streams(r.streams, c, opts.maxStreams ?? 50));
  out.push(...twoPoint(r, c));
  return out.join('\n') + '\n';
}

function findings(list: Finding[], c: Painter, max: number): string[] {
  if (list.length === 0) return [c.bold('Findings: none'), ''];
  const count = (s: string) => list.filter((f) => f.severity === s).length;
  const out = [c.bold(`Findings (${count('fail')} fail, ${count('warn')} warn, ${count('info')} info)`)];
  for (const f of list.slice(0, max)) {
    const where = f.packet !== undefined ? c.dim(` [packet ${f.packet}]`) : '';
    out.push(`  ${c.verdict(f.severity === 'info' ? 'pass' : f.severity, f.severity.toUpperCase().padEnd(4))} ${f.code.padEnd(22)} ${f.message}${where}`);
  }
  if (list.length > max) out.push(c.dim(`  ... ${list.length - max} more (see --json)`));
  out.push('');
  return out;
}

function calls(list: CallReport[], c: Painter, registrations: number): string[] {
  if (list.length === 0) {
    const why = registrations > 0 ? `SIP signalling: ${registrations} registration(s), no INVITE` : 'no SIP signalling in the capture';
    return [c.bold(`Calls: none (${why})`), ''];
  }
  const rows = list.map((k) => [
    shorten(k.callId, 24), `${shorten(k.from, 22)} -> ${shorten(k.to, 22)}`, ms(k.setupMs), k.finalStatus === null ? '-' : String(k.finalStatus),
    k.state === 'answered' && k.byeSeen === false ? 'answered, no BYE' : k.state, k.durationSeconds === null ? '-' : `${k.durationSeconds.toFixed(1)} s`, k.streams.join(',') || '-', c.verdict(k.verdict, k.verdict.toUpperCase()),
  ]);
  return [c.bold(`Calls (${list.length})`), ...table(['Call-ID', 'from -> to', 'setup', 'status', 'state', 'duration', 'streams', ''], rows), ''];
}

function streams(list: StreamReport[], c: Painter, max: number): string[] {
  if (list.length === 0) return [c.bold('RTP streams: none'), ''];
  const shown = list.slice(0, max);
  const rows = shown.map((s) => [
    s.id, `${s.src} -> ${s.dst}`, s.ssrc, s.codec, String(s.packets), `${s.lostCounted}${lossReason(s) !== null ? '*' : ''}`, `${s.lossPercent.toFixed(1)} %`,
    jitterKnown(s) ? `${s.jitterMeanMs.toFixed(2)} / ${s.jitterMaxMs.toFixed(2)}` : 'n/a', s.maxDeltaMs.toFixed(1), dscpText(s.dscp), mosText(s), m2eText(s), c.verdict(s.verdict, s.verdict.toUpperCase()),
  ]);
  const out = [c.bold(`RTP streams (${list.length})`), ...table(['id', 'src -> dst', 'SSRC', 'codec', 'pkts', 'lost', 'loss', 'jitter ms mean/max', 'max delta ms', 'DSCP', 'MOS', 'mouth-to-ear ms', ''], rows)];
  // the reason beside every loss that is not tshark's expected - received (never a bare negative number)
  for (const s of shown) {
    const why = lossReason(s);
    if (why !== null) out.push(c.dim(`  * ${s.id} lost: ${why}`));
  }
  if (list.length > max) out.push(c.dim(`  ... ${list.length - max} more (see --json)`));
  out.push('');
  return out;
}

/** --peer: delay, loss and DSCP between the two capture points, per stream and direction */
function twoPoint(r: AnalysisReport, c: Painter): string[] {
  const tp = r.twoPoint;
  if (tp === null) return [];
  const rows = tp.streams.map((s) => {
    const d = s.delayMs;
    return [s.ssrc, s.direction, `${s.streamIdA ?? '-'}/${s.streamIdB ?? '-'}`, String(s.matched),
      d === null ? 'n/a' : `${ms(d.min)} / ${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.max)}`,
      String(s.lostBetween), String(s.lostBefore), `${dscpText(s.dscpA)} -> ${dscpText(s.dscpB)}`, String(s.remarked)];
  });
  return [c.bold(`Between the two capture points (A: this capture, B: ${tp.peer.file})`), tp.clockNote,
    ...table(['ssrc', 'dir', 'stream A/B', 'matched', 'delay ms min/p50/p95/max', 'lost between', 'lost before', 'DSCP A -> B', 're-marked'], rows), ''];
}

/** "4.39", "4.39*" when provisional (no published Ie/Bpl for the codec), "-" without one */
function mosText(s: StreamReport): string {
  const m = s.mos ?? null;
  return m === null ? '-' : `${m.mos.toFixed(2)}${m.provisional ? '*' : ''}`;
}

/** "60.0", ">=40.0" when the network part is assumed (not measured) */
function m2eText(s: StreamReport): string {
  const m = s.mouthToEar ?? null;
  return m === null ? '-' : `${m.networkMeasured ? '' : '>='}${m.totalMs.toFixed(1)}`;
}

/** "EF (46)", "CS0 (0),EF (46)": the naming of the findings and the summary (model/dscp-name.ts) */
function dscpText(d: Record<string, number>): string {
  return Object.keys(d).map((k) => (/^\d+$/.test(k) ? dscpName(Number(k)) : k)).join(',') || '-';
}

function ms(v: number | null): string {
  return v === null ? '-' : `${Math.round(v)} ms`;
}

function shorten(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}~`;
}

/** left-aligned columns; width measured without ANSI colour codes */
function table(head: string[], rows: string[][]): string[] {
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const widths = head.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) => '  ' + cells.map((x, i) => x + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visible(x)))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}

interface Painter {
  bold(s: string): string;
  dim(s: string): string;
  yellow(s: string): string;
  verdict(v: Verdict, s: string): string;
}

function painter(color: boolean): Painter {
  const wrap = (code: string) => (s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const colours: Record<Verdict, (s: string) => string> = { pass: wrap('32'), warn: wrap('33'), fail: wrap('1;31') };
  return { bold: wrap('1'), dim: wrap('2'), yellow: wrap('33'), verdict: (v, s) => colours[v](s) };
}

const fmtMs = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(3));

/** the inline proxy: what it relayed and dropped, and the delay it added per leg */
function proxySection(p: ProxyReport, streams: readonly StreamReport[], c: Painter): string[] {
  const thread = p.relayThread !== undefined ? ` (forwarding thread ${p.relayThread})` : '';
  const out = [c.bold(`Proxy ${p.listen} -> ${p.upstream}: ${p.calls} call(s), ${p.relay} relay${thread}`)];
  out.push(`  SIP: ${p.sip.forwarded} forwarded, ${p.sip.absorbedRetransmissions} retransmissions absorbed, refused ${p.sip.rejectedForbidden} (403) / ${p.sip.rejectedNotFound} (404) / ${p.sip.tooManyHops} (483) / ${p.sip.noRtpPorts} (503), ${p.sip.malformed} malformed, ${p.sip.rateLimited} rate limited`);
  out.push(`  media: ${p.media.forwarded} of ${p.media.received} packets forwarded; dropped ${p.media.droppedStrictSource} from a source not latched (RTP bleed protection), ${p.media.droppedJunk} not RTP, ${p.media.droppedNoPeer} with no peer yet`);
  for (const u of p.upstreams ?? []) {
    const f = u.failovers;
    const moved = f.timeout + f.unreachable + f.unavailable;
    out.push(`  upstream ${u.transport} ${u.upstream}${u.domain !== null ? ` (${u.domain})` : ''}: ${u.up ? 'up' : c.yellow('down')}, ${u.requests} request(s) sent, ${moved} failed over (${f.timeout} timeout, ${f.unreachable} unreachable, ${f.unavailable} 503), ${u.probesAnswered} of ${u.probesSent} probe(s) answered`);
  }
  if (p.media.notAnalysed > 0) out.push(c.yellow(`  ${p.media.notAnalysed} relayed packets were not analysed (the analysis fell behind the relay): stream figures are short of them`));
  for (const leg of ['a-leg', 'b-leg'] as const) {
    const d = p.addedDelayMs[leg];
    out.push(`  added delay ${leg === 'a-leg' ? 'caller -> callee' : 'callee -> caller'}: ${d === null ? 'not measured (dgram relay: no kernel receive stamps)' : `p50 ${fmtMs(d.p50)} / p99 ${fmtMs(d.p99)} / max ${fmtMs(d.max)} ms`}`);
  }
  for (const leg of ['a-leg', 'b-leg'] as const) {
    const r = p.rttMs?.[leg] ?? null;
    out.push(`  RTCP round trip ${leg === 'a-leg' ? 'caller <-> proxy (segment A)' : 'proxy <-> callee (segment B)'}: ${r === null ? 'not measured (no SR forwarded and echoed on this segment)' : `mean ${fmtMs(r.meanMs)} / max ${fmtMs(r.maxMs)} ms over ${r.samples} sample(s)`}`);
  }
  for (const s of streams) {
    const d = s.delay;
    if (d?.method !== 'proxy-rtcp' || d.parts === undefined || d.oneWayMs === null) continue;
    out.push(`  stream ${s.id} ${s.src} -> ${s.dst}: one-way ${fmtMs(d.oneWayMs)} ms (proxy-rtcp) = segment A ${fmtMs(d.parts.segmentAMs)} + proxy ${fmtMs(d.parts.proxyMs)} + segment B ${fmtMs(d.parts.segmentBMs)} ms`);
  }
  const e = p.endedAtShutdown;
  if (e != null) out.push(`  at shutdown: ${e.calls} call(s) still up were ended: ${e.byeSent} BYE sent (${e.byeAnswered} answered), ${e.cancelSent} CANCEL sent (${e.cancelAnswered} answered)`);
  out.push('');
  return out;
}

/** the STAMP probe: one line per direction and the round trip */
function probeSection(p: ProbeReport, c: Painter): string[] {
  const out = [c.bold(`STAMP probe to ${p.target}: ${p.codec}, ${p.packetBytes} octets every ${p.intervalMs} ms, ${p.mode}, ${p.packetsSent} sent, ${p.packetsReceived} back`)];
  const dir = (name: string, d: ProbeDirection): string[] => [
    name,
    d.oneWayMs === null ? '-' : `${fmtMs(d.oneWayMs.min)} / ${fmtMs(d.oneWayMs.mean)} / ${fmtMs(d.oneWayMs.p95)} / ${fmtMs(d.oneWayMs.max)}`,
    fmtMs(d.jitterMs),
    `${d.lost} (${d.lossPercent.toFixed(2)} %)`,
    String(d.reordered),
    `${d.dscpSent === null ? '?' : dscpName(d.dscpSent)} -> ${d.dscpReceived === null ? '?' : dscpName(d.dscpReceived)}${d.remarked === true ? ' RE-MARKED' : d.remarked === null ? ' (unknown)' : ''}`,
  ];
  const rtt = p.rttMs === null ? '-' : `${fmtMs(p.rttMs.min)} / ${fmtMs(p.rttMs.mean)} / ${fmtMs(p.rttMs.p95)} / ${fmtMs(p.rttMs.max)}`;
  out.push(...table(['direction', 'delay ms min/mean/p95/max', 'jitter ms', 'lost', 'reordered', 'DSCP'], [
    dir('forward', p.forward), dir('backward', p.backward),
    ['round trip', rtt, '-', `${p.roundTripLost} (${p.roundTripLossPercent.toFixed(2)} %)`, '-', '-'],
  ]));
  out.push(c.dim(`clocks: ${p.clockNote}`));
  if (!p.clockSynchronised && p.oneWayEstimateMs !== null) out.push(`one-way estimate (RTT/2): ${fmtMs(p.oneWayEstimateMs)} ms`);
  if (p.dscpNote !== null) out.push(c.dim(`DSCP: ${p.dscpNote}`));
  out.push('');
  return out;
}
