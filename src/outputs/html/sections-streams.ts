/**
 * RTP streams: one table with every stream's numbers (server-rendered text; data-stream on each
 * row and data-field on each column's header, so a test can compare every cell with the JSON),
 * then per call its streams as <details> cards holding the facts and the charts. Beyond
 * COLLAPSE_ABOVE streams the cards start closed (charts are drawn when opened), hold only the
 * facts the table does not show, and the table is paged by the script. Per-row markup is kept
 * bare (alignment and fonts come from the column position in style.ts): with 1000 streams every
 * byte of a row counts a thousand times.
 */
import type { AnalysisReport, StreamReport, Thresholds } from '../../model/report.js';
import { acceptsDscp } from '../../verdict/stream-grade.js';
import { escapeHtml as h, safeId } from './escape.js';
import { jitterKnown, lossReason } from '../../model/stream-figures.js';
import { countText, dscpName, durationText, fixed, msText, percentText } from './format.js';
import { verdictCell } from './sections-summary.js';
import { hasCharts } from './chart-data.js';

export const COLLAPSE_ABOVE = 50;

/** the numbers of the streams table, with their display precision (decimals) */
export const STREAM_TABLE_FIELDS = [
  { field: 'packets', label: 'Packets', title: 'RTP packets received', decimals: 0 },
  { field: 'expectedCounted', label: 'Expected', title: 'highest minus first extended sequence number, plus one (added over the runs when the sender restarted its sequence)', decimals: 0 },
  { field: 'lostCounted', label: 'Lost', title: 'expected minus distinct packets received, never negative (duplicates counted once); the card says when tshark counts otherwise', decimals: 0 },
  { field: 'lossPercent', label: 'Loss %', title: 'lost / expected', decimals: 2 },
  { field: 'longestLossBurst', label: 'Burst', title: 'longest run of consecutive lost packets', decimals: 0 },
  { field: 'sequenceErrors', label: 'Seq. err.', title: 'packets whose sequence number was not the next one (tshark)', decimals: 0 },
  { field: 'jitterMeanMs', label: 'Jitter mean', title: 'mean RFC 3550 interarrival jitter, ms', decimals: 3 },
  { field: 'jitterMaxMs', label: 'Jitter max', title: 'max RFC 3550 interarrival jitter, ms', decimals: 3 },
  { field: 'maxDeltaMs', label: 'Max delta', title: 'largest gap between two packets, ms', decimals: 3 },
] as const satisfies ReadonlyArray<{ field: keyof StreamReport; label: string; title: string; decimals: number }>;

export function streamsSection(r: AnalysisReport): string {
  if (r.streams.length === 0) {
    const why = r.calls.length > 0 ? 'SIP signalling was seen, but no RTP packets: check whether the capture point sees the media path.' : 'No RTP streams in this capture.';
    return `<section id="streams"><h2>RTP streams</h2><p class="empty">${why}</p></section>`;
  }
  const callIndex = new Map<string, number>();
  r.calls.forEach((c, i) => { for (const s of c.streams) callIndex.set(s, i); });
  const head = STREAM_TABLE_FIELDS.map((f) => `<th class="num" data-field="${f.field}" title="${f.title}">${f.label}</th>`).join('');
  const rows = r.streams.map((s) => streamRow(s, callIndex.get(s.id), r.thresholds)).join('\n');
  const paged = r.streams.length > COLLAPSE_ABOVE ? ' data-paged="1"' : '';
  const note = r.streams.length > COLLAPSE_ABOVE ? `<p class="meta">${r.streams.length} streams: the details below are collapsed; open one to draw its charts.</p>` : '';
  return `<section id="streams"><h2>RTP streams (${r.streams.length})</h2>
<p class="meta">Jitter and delta in ms. Hover a column title for its definition; see Methodology.</p>
<div class="scroll"><table id="streams-table"${paged}><thead><tr><th>Stream</th><th>Call</th><th>Source → destination</th><th>SSRC</th><th>Codec</th>${head}<th data-field="dscp">DSCP</th><th class="num" title="ITU-T G.107 E-model estimate (MOS-CQE, 1–4.5); * provisional: no published Ie/Bpl for the codec">MOS</th><th class="num" title="mouth-to-ear delay, ms: network + packetisation + look-ahead + jitter buffer; ≥ when the network part is assumed">Mouth to ear</th><th data-field="verdict">Verdict</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
${note}
${streamCards(r, callIndex)}
</section>`;
}

function streamRow(s: StreamReport, call: number | undefined, t: Thresholds): string {
  const jitter = jitterKnown(s);
  const cells = STREAM_TABLE_FIELDS.map((f) => `<td>${!jitter && f.field.startsWith('jitter') ? 'n/a' : fixed(s[f.field], f.decimals)}</td>`).join('');
  return `<tr class="row-${s.verdict}" data-stream="${h(s.id)}"><td><a href="#${safeId('stream-', s.id)}">${h(s.id)}</a></td><td>${call === undefined ? '–' : call + 1}</td><td>${addr(s.src)} → ${addr(s.dst)}</td><td>${h(s.ssrc)}</td><td>${h(s.codec)}</td>${cells}<td>${dscpList(s.dscp, t.rtpDscp)}</td><td>${mosCell(s)}</td><td>${m2eCell(s)}</td>${verdictCell(s.verdict)}</tr>`;
}

/**
 * an address with break opportunities after each colon: an IPv6 address and port
 * ("[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:40000", 47 characters) may wrap inside the cell
 * instead of pushing the table (and its verdict column) past a 1,400 px window
 */
function addr(a: string): string {
  return a.includes('[') ? h(a).replace(/:/g, ':<wbr>') : h(a);
}

function mosCell(s: StreamReport): string {
  const m = s.mos ?? null;
  return m === null ? '–' : `${fixed(m.mos, 2)}${m.provisional ? '*' : ''}`;
}

function m2eCell(s: StreamReport): string {
  const m = s.mouthToEar ?? null;
  return m === null ? '–' : `${m.networkMeasured ? '' : '≥ '}${fixed(m.totalMs, 1)}`;
}

/** proxy-rtcp: the parts of the figure; a proxied stream's own RTT: the segment it covers */
function delayParts(d: NonNullable<StreamReport['delay']>): string {
  const p = d.parts;
  const parts = p === undefined ? '' : ` = segment A ${msText(p.segmentAMs)} + proxy ${msText(p.proxyMs)} + segment B ${msText(p.segmentBMs)} ms`;
  return d.rttCovers === undefined || p !== undefined ? parts : `; its RTCP round trip covers ${h(d.rttCovers)}`;
}

/** network delay, mouth-to-ear with its parts, and the MOS with what it rests on */
function qualityFacts(s: StreamReport, t: Thresholds, f: (k: string, v: string) => string, open: boolean): string {
  const d = s.delay ?? null;
  // collapsed (many streams): the table shows MOS and mouth to ear; the card adds the measured delay only
  if (!open) return d === null || d.oneWayMs === null ? '' : f('One-way delay', `${msText(d.oneWayMs)} ms (${h(d.method ?? '')})`);
  const delay = d === null ? 'not measured (no RTCP)' : d.oneWayMs === null ? `not measured: ${h(d.reason ?? '')}` : `${msText(d.oneWayMs)} ms one-way by ${h(d.method ?? '')}: ${h(d.reliability)}${d.reason === undefined ? '' : ` (${h(d.reason)})`}${delayParts(d)}; limit ${t.oneWayDelayMs} ms`;
  const m = s.mouthToEar ?? null;
  const m2e = m === null ? '–' : `${msText(m.totalMs)} ms = network ${msText(m.networkMs)}${m.networkMeasured ? '' : ' (assumed, not measured)'} + packetisation ${msText(m.packetisationMs)} + look-ahead ${msText(m.lookAheadMs)} + jitter buffer ${msText(m.jitterBufferMs)} ms; limit ${t.totalDelayMs} ms`;
  const q = s.mos ?? null;
  const mos = q === null ? '–' : `${fixed(q.mos, 2)} (R ${fixed(q.r, 1)}, Ie,eff ${fixed(q.ieEff, 2)}, Idd ${fixed(q.idd, 2)}; ${h(q.codec)}${q.provisional ? '; provisional' : ''})<br><small>${q.assumptions.map(h).join('<br>')}</small>`;
  return `${f('Network delay', delay)}${f('Mouth to ear', m2e)}${f('MOS (E-model)', mos)}`;
}

/** "EF (46)" or "BE (0) ×120, EF (46) ×880"; values the profile does not allow are marked */
function dscpList(dscp: Record<string, number>, allowed: number[]): string {
  const keys = Object.keys(dscp);
  if (keys.length === 0) return '–';
  return keys.map((k) => {
    const v = Number(k);
    const text = Number.isInteger(v) ? dscpName(v) : h(k);
    const bad = !acceptsDscp(allowed, v);
    const count = keys.length > 1 ? ` ×${countText(dscp[k] ?? 0)}` : '';
    return bad ? `<span class="v fail" title="not allowed for RTP by the profile">${text}${count}</span>` : `${text}${count}`;
  }).join(', ');
}

function streamCards(r: AnalysisReport, callIndex: Map<string, number>): string {
  const open = r.streams.length <= COLLAPSE_ABOVE;
  const byId = new Map(r.streams.map((s) => [s.id, s]));
  const out: string[] = [];
  r.calls.forEach((c, i) => {
    const list = c.streams.map((id) => byId.get(id)).filter((s): s is StreamReport => s !== undefined);
    if (list.length === 0) return;
    out.push(`<div class="call-streams" data-call="${i}"><h3>Call ${i + 1}: ${h(c.from)} → ${h(c.to)}</h3>\n${list.map((s) => card(s, r.thresholds, open)).join('\n')}</div>`);
  });
  const loose = r.streams.filter((s) => !callIndex.has(s.id));
  if (loose.length > 0) {
    const title = r.calls.length > 0 ? 'Streams without a matching call' : 'Streams (no signalling in the capture)';
    out.push(`<div class="call-streams"><h3>${title}</h3>\n${loose.map((s) => card(s, r.thresholds, open)).join('\n')}</div>`);
  }
  return out.join('\n');
}

/**
 * open (few streams): every fact; collapsed (many): only the facts the table does not already
 * show. Related facts share a line (payload and how it was recognised; counts; RTCP and round
 * trip) so that a thousand cards stay small.
 */
function card(s: StreamReport, t: Thresholds, open: boolean): string {
  const f = (k: string, v: string) => `<dt>${k}</dt><dd>${v}</dd>`;
  const media = `${s.payloadType} (${h(s.codec)}, ${s.clockRate > 0 ? `${s.clockRate} Hz` : 'clock rate unknown'}); ${s.detection === 'sdp' ? 'from the SDP of the call' : 'recognised heuristically (no SDP)'}; ${s.srtp ? 'SRTP' : 'not SRTP'}`;
  const counts = `${countText(s.packets)} (frames ${s.firstPacket}–${s.lastPacket}); ${s.duplicates} duplicates, ${s.outOfOrder} out of order, ${s.telephoneEventPackets} DTMF (RFC 4733)`;
  return `<details class="stream" id="${safeId('stream-', s.id)}" data-stream="${h(s.id)}"${open ? ' open' : ''}>
<summary>${h(s.id)} · <span class="mono">${h(s.src)} → ${h(s.dst)}</span> · ${h(s.codec)} · <span class="v ${s.verdict}">${s.verdict.toUpperCase()}</span></summary>
<dl class="facts">${open ? f('SSRC', `<span class="mono">${h(s.ssrc)}</span>`) : ''}${f('Payload type', media)}${f('Packets', counts)}${f('Start, duration', `${h(s.startTime)}, ${durationText(s.durationSeconds)}`)}${open ? f('Loss', lossFact(s)) : ''}${open ? f('Jitter mean / max', jitterKnown(s) ? `${msText(s.jitterMeanMs)} / ${msText(s.jitterMaxMs)} ms (limit ${t.jitterMs} ms)` : 'n/a (no RTP clock rate: unknown payload type or DTMF only)') : ''}${f('Delta mean / max', `${msText(s.meanDeltaMs)} / ${msText(s.maxDeltaMs)} ms`)}${open ? f('DSCP seen', dscpList(s.dscp, t.rtpDscp)) : ''}${f('RTCP', rtcpText(s, t))}${qualityFacts(s, t, f, open)}</dl>
${hasCharts(s) ? '<div class="charts"></div>' : noCharts(s)}
</details>`;
}

/** why a stream has no charts (too few packets, or a report without series) */
function noCharts(s: StreamReport): string {
  const why = s.series === undefined
    ? 'No charts: this report was made without time series.'
    : `No charts: ${countText(s.packets)} packet${s.packets === 1 ? '' : 's'} in ${durationText(s.durationSeconds)} fill a single interval of ${fixed(s.series.intervalSeconds, 0)} s; its numbers are in the table above.`;
  return `<p class="no-charts">${why}</p>`;
}

/** the loss shown, with why it is not tshark's expected - received when it is not */
function lossFact(s: StreamReport): string {
  const why = lossReason(s);
  return `${s.lostCounted} of ${s.expectedCounted} (${percentText(s.lossPercent)} %), longest burst ${s.longestLossBurst}${why === null ? '' : ` (${h(why)})`}`;
}

/** what RTCP says: the far end's loss and jitter, and the round trip (the only delay one capture point can measure) */
function rtcpText(s: StreamReport, t: Thresholds): string {
  const r = s.rtcp;
  if (r === null) return 'none seen, so no round-trip time (delay)';
  const loss = r.remoteFractionLostPercent === null ? '–' : `${percentText(r.remoteFractionLostPercent)} %`;
  const jitter = r.remoteJitterMs === null ? '–' : `${msText(r.remoteJitterMs)} ms`;
  const rtt = r.rttMs === null ? 'no round trip (no LSR/DLSR pair)' : `round trip ${msText(r.rttMs)} ms (max ${msText(r.rttMaxMs)} ms), one-way ≈ half, limit ${t.oneWayDelayMs} ms`;
  return `${r.packets} pkts; far end reports loss ${loss}, jitter ${jitter}; ${rtt}`;
}
