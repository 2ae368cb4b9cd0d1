/**
 * The top of the report (title, verdict banner, the VoIP-Ready limits side by side with what was
 * measured) and the methodology with the capture's metadata at the bottom.
 */
import type { AnalysisReport, LimitCheck, ProbeDirection, Verdict } from '../../model/report.js';
import { escapeHtml as h } from './escape.js';
import { bytesText, countText, durationText, fileName, fixed, VERDICT_ORDER, verdictWord } from './format.js';
import { reportTitle, whoLine, type HtmlOptions } from './heading.js';

export function verdictCell(v: Verdict | 'n/a', attrs = ''): string {
  const cls = v === 'n/a' ? 'na' : v;
  return `<td class="v ${cls}"${attrs}>${verdictWord(v)}</td>`;
}

export function headerSection(r: AnalysisReport, opts: HtmlOptions = {}): string {
  const span = r.input.startTime !== null ? `${h(r.input.startTime)} – ${h(r.input.endTime ?? '?')}` : 'no packets';
  return `<header>
<h1 id="report-title">${h(reportTitle(r, opts))}</h1>
${whoLine(r, opts)}<p class="meta">Profile <b>${h(r.profile)}</b> · ${countText(r.input.packets)} packets · ${durationText(r.input.durationSeconds)} (${span}) · voipready ${h(r.tool.version)}</p>
<nav class="toc"><a href="#verdict">Verdict</a><a href="#findings">Findings</a><a href="#calls">Calls</a><a href="#streams">Streams</a><a href="#methodology">Methodology</a></nav>
</header>`;
}

export function bannerSection(r: AnalysisReport): string {
  const count = (s: string) => r.findings.filter((f) => f.severity === s).length;
  const facts = `${r.calls.length} call${r.calls.length === 1 ? '' : 's'} · ${r.streams.length} RTP stream${r.streams.length === 1 ? '' : 's'} · findings: ${count('fail')} fail, ${count('warn')} warn, ${count('info')} info`;
  return `<section id="verdict" class="banner ${r.verdict}" data-verdict="${r.verdict}">
<div class="word" id="verdict-word">${verdictWord(r.verdict)}</div>
<div><div class="reason" id="verdict-reason">${h(r.reason)}</div><div class="facts">${facts}</div></div>
</section>`;
}

/** the profile's limits next to the worst measured value, worst verdict first (stable) */
export function limitsSection(r: AnalysisReport): string {
  const rows = sortedLimits(r.summary).map((c) => `<tr class="row-${c.verdict === 'n/a' ? 'na' : c.verdict}" data-criterion="${h(c.criterion)}">
<td>${h(c.label)}</td><td>${h(c.limit)}</td><td>${c.measured === null ? '<span class="empty">not measurable from this capture</span>' : h(c.measured)}</td>${verdictCell(c.verdict)}</tr>`);
  const t = r.thresholds;
  const body = rows.length > 0 ? rows.join('\n') : '<tr><td colspan="4" class="empty">no criteria evaluated</td></tr>';
  return `<section id="limits">
<h2>VoIP-Ready limits and what was measured</h2>
<p class="meta">Profile <b>${h(r.profile)}</b>. A value above ${fixed(t.warnFraction * 100, 0)} % of its limit is a warning.</p>
<div class="scroll"><table id="limits-table"><thead><tr><th>Criterion</th><th>Limit</th><th>Measured (worst)</th><th>Verdict</th></tr></thead>
<tbody>
${body}
</tbody></table></div>
</section>`;
}

export function sortedLimits(list: LimitCheck[]): LimitCheck[] {
  return list.map((c, i) => ({ c, i })).sort((a, b) => VERDICT_ORDER[a.c.verdict] - VERDICT_ORDER[b.c.verdict] || a.i - b.i).map((x) => x.c);
}

export function methodologySection(r: AnalysisReport): string {
  const i = r.input;
  const t = r.thresholds;
  const ports = t.rtpPorts === null ? 'any' : `${t.rtpPorts.min}–${t.rtpPorts.max}`;
  const row = (k: string, v: string, attr = '') => `<tr><th>${k}</th><td${attr}>${v}</td></tr>`;
  return `<section id="methodology">
<h2>Methodology</h2>
<ul>
<li><b>Jitter</b>: RFC 3550 §6.4.1 / A.8 interarrival jitter, computed per packet as Wireshark does (J += (|D| − J)/16, D from capture time and RTP timestamp at the codec clock rate), shown in ms; "mean" and "max" over all packets of the stream, like <code>tshark -z rtp,streams</code>.</li>
<li><b>Loss</b>: expected minus received, expected = highest extended sequence number − first + 1 (RFC 3550 A.3). Duplicates make it negative, as in tshark. Loss % = lost / expected. Charts show loss per interval.</li>
<li><b>Packet delta</b>: time between consecutive packets of a stream at the capture point; "max" is the largest gap.</li>
<li><b>DSCP</b>: the IP header's DiffServ code point per packet; RTP should be EF (46), SIP CS3 (24) or AF31 (26).</li>
<li><b>Delay</b>: one capture point cannot see one-way delay directly. Per stream it is taken from RTCP: <i>rtcp-ntp</i> when the sender reports' NTP clock looks synchronised with the capture clock (capture time − SR time stable within 5 ms over at least 2 SRs, within 1 s, not negative, above 1 ms), covering sender → capture point; else <i>rtcp-rtt</i>, the round trip from LSR/DLSR (RFC 3550 §6.4.1) halved, an estimate that assumes a symmetric path. Each stream says which method and why not the other.</li>
<li><b>Mouth to ear</b> (ITU-T G.114): network one-way delay (when not measured: <code>quality.assumedNetworkDelayMs</code>, default 0 ms, shown as "≥" and not graded) + packetisation (SDP a=ptime, else the packet spacing) + codec look-ahead (G.729 5 ms, G.723.1 7.5 ms, iLBC 5 ms, Opus 6.5 ms, G.711/G.722/G.726 0) + jitter buffer (2 × mean jitter rounded up to whole frames, at least one frame, or <code>quality.jitterBufferMs</code>), against ${t.totalDelayMs} ms.</li>
<li><b>MOS</b>: ITU-T G.107 E-model, R = Ro − Is − Id − Ie,eff + A with G.107's defaults (R = 93.2, MOS 4.41 for a perfect narrowband call); Id from Ta = mouth-to-ear (Idd = 25{(1+X⁶)^⅙ − 3(1+(X/3)⁶)^⅙ + 2}, X = log₂(Ta/100), for Ta &gt; 100 ms; T = Ta, Tr = 2Ta for the echo terms); Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl) with the codec's Ie/Bpl from G.113 Appendix I (G.711 with PLC 0/25.1, G.729A 11/19, G.723.1 15/16.1) and BurstR = 1/(p + q) from the stream's loss runs; MOS from R per G.107 Annex B, clamped to 1–4.5. G.722, Opus and iLBC have no narrowband Ie/Bpl: their scores are provisional (marked *). MOS below 3.6 (R 70) warns, below 3.1 (R 60) fails (G.109 categories).</li>
<li><b>Verdict</b>: each limit is checked against the profile; a stream or call fails when a limit is exceeded and warns above ${fixed(t.warnFraction * 100, 0)} % of it. The overall verdict is the worst.</li>
<li>All numbers come from the same analysis as <code>voipready analyze --json</code>, which writes the full model. This file embeds only what the charts draw (element <code>#voipready-charts</code>): per stream its series, neighbouring intervals merged so that all streams share a fixed point budget, jitter to 0.01 ms and delta to 0.1 ms.</li>
</ul>
<h3>Capture</h3>
<div class="scroll"><table id="capture-table"><tbody>
${row('File', h(fileName(i.file)), ' data-field="file"')}
${row('Format', h(i.format))}
${row('Packets', countText(i.packets), ` data-field="packets" data-value="${i.packets}"`)}
${row('Size', bytesText(i.bytes))}
${row('Time span', i.startTime === null ? 'no packets' : `${h(i.startTime)} – ${h(i.endTime ?? '?')} (${durationText(i.durationSeconds)})`)}
${row('Link types', h(i.linkTypes.join(', ') || 'none'))}
${row('Decode errors', countText(i.decodeErrors), ` data-field="decodeErrors" data-value="${i.decodeErrors}"`)}
${row('Reading stopped early', i.error !== null ? `${h(i.error.code)}: ${h(i.error.message)} (everything before it is analysed)` : i.stoppedBy !== undefined ? `by ${i.stoppedBy} (Ctrl-C on a live capture): the report covers what was read` : 'no')}
${r.link === null ? '' : row('Link utilisation', `peak ${fixed(r.link.peakPercent, 1)} %, mean ${fixed(r.link.meanPercent, 1)} % of ${bytesText(r.link.linkSpeedBitsPerSecond / 8)}/s`)}
</tbody></table></div>
<h3>Limits of profile ${h(r.profile)}</h3>
<div class="scroll"><table id="thresholds-table"><tbody>
${row('One-way delay', `${t.oneWayDelayMs} ms`)}
${row('Total delay', `${t.totalDelayMs} ms`)}
${row('Packet loss', `${t.lossPercent} %`)}
${row('Jitter', `${t.jitterMs} ms`)}
${row('DSCP RTP / SIP', `${h(t.rtpDscp.join(', ') || 'any')} / ${h(t.sipDscp.join(', ') || 'any')}`)}
${row('RTP ports', h(ports))}
${row('SIP ports', h(t.sipPorts.join(', ') || 'any'))}
${row('Link utilisation', `${t.linkUtilisationPercent} %`)}
</tbody></table></div>
</section>`;
}

/** --peer: per stream and direction, the delay, loss and DSCP between the two capture points */
export function twoPointSection(r: AnalysisReport): string {
  const tp = r.twoPoint;
  if (tp === null) return '';
  const rows = tp.streams.map((s) => {
    const d = s.delayMs;
    const delay = d === null ? '<td colspan="4" class="empty">clocks not synchronised</td>' : `<td>${fixed(d.min, 3)}</td><td>${fixed(d.p50, 3)}</td><td>${fixed(d.p95, 3)}</td><td>${fixed(d.max, 3)}</td>`;
    const dscp = (x: Record<string, number>) => h(Object.keys(x).join(', '));
    return `<tr><td>${h(s.ssrc)}</td><td>${h(s.direction)}</td><td>${h(s.streamIdA ?? '–')} / ${h(s.streamIdB ?? '–')}</td><td>${countText(s.matched)}</td>${delay}<td>${countText(s.lostBetween)}</td><td>${countText(s.lostBefore)}</td><td>${dscp(s.dscpA)} → ${dscp(s.dscpB)}</td><td>${countText(s.remarked)}</td></tr>`;
  });
  return `<section id="two-point">
<h2>Between the two capture points</h2>
<p class="meta">This capture (A) against ${h(fileName(tp.peer.file))} (B): the same RTP packets matched by SSRC, sequence number and timestamp. ${h(tp.clockNote)}</p>
<div class="scroll"><table id="two-point-table"><thead><tr><th>SSRC</th><th>Direction</th><th>Stream A / B</th><th>Matched</th><th>Delay min ms</th><th>p50</th><th>p95</th><th>max</th><th>Lost between</th><th>Lost before</th><th>DSCP A → B</th><th>Re-marked</th></tr></thead>
<tbody>
${rows.length > 0 ? rows.join('\n') : '<tr><td colspan="12" class="empty">no stream seen at both points</td></tr>'}
</tbody></table></div>
</section>`;
}

/** `probe send --html`: the STAMP probe's figures per direction, as the terminal report shows them */
export function probeSection(r: AnalysisReport): string {
  const p = r.probe;
  if (p === null) return '';
  const ms = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : fixed(v, 3));
  const dscp = (v: number | null): string => (v === null ? 'unknown' : String(v));
  const dir = (name: string, d: ProbeDirection): string => {
    const w = d.oneWayMs;
    const delay = w === null ? '<td colspan="4" class="empty">clocks not synchronised</td>' : `<td>${ms(w.min)}</td><td>${ms(w.p50)}</td><td>${ms(w.p95)}</td><td>${ms(w.max)}</td>`;
    const marked = d.remarked === null ? 'unknown' : d.remarked ? `<strong>re-marked</strong> (${countText(d.remarkedPackets)} packets)` : 'unchanged';
    return `<tr><td>${name}</td>${delay}<td>${ms(d.jitterMs)} / ${ms(d.jitterMaxMs)}</td><td>${countText(d.lost)} (${fixed(d.lossPercent, 2)} %)</td><td>${countText(d.reordered)}</td><td>${dscp(d.dscpSent)} → ${dscp(d.dscpReceived)}</td><td>${marked}</td></tr>`;
  };
  const rtt = p.rttMs === null ? 'no packet came back' : `min ${ms(p.rttMs.min)}, p50 ${ms(p.rttMs.p50)}, p95 ${ms(p.rttMs.p95)}, max ${ms(p.rttMs.max)} ms`;
  const estimate = p.clockSynchronised || p.oneWayEstimateMs === null ? '' : ` One-way estimate (RTT/2, assumes a symmetric path): ${ms(p.oneWayEstimateMs)} ms.`;
  return `<section id="probe">
<h2>Active probe (STAMP, RFC 8762)</h2>
<p class="meta">To ${h(p.target)}, ${h(p.codec)}-shaped packets (${p.packetBytes} bytes every ${p.intervalMs} ms, ${h(p.mode)}), ${countText(p.packetsSent)} sent, ${countText(p.packetsReceived)} reflected over ${fixed(p.durationSeconds, 1)} s. Round trip: ${rtt}; lost on the round trip ${countText(p.roundTripLost)} (${fixed(p.roundTripLossPercent, 2)} %). ${h(p.clockNote)}${estimate}${p.dscpNote === null ? '' : ` ${h(p.dscpNote)}`}${p.authFailures > 0 ? ` ${countText(p.authFailures)} reflected packets failed authentication.` : ''}</p>
<div class="scroll"><table id="probe-table"><thead><tr><th>Direction</th><th>One-way min ms</th><th>p50</th><th>p95</th><th>max</th><th>Jitter mean / max ms</th><th>Lost</th><th>Reordered</th><th>DSCP sent → received</th><th>Mark</th></tr></thead>
<tbody>
${dir('forward (sender → reflector)', p.forward)}
${dir('backward (reflector → sender)', p.backward)}
</tbody></table></div>
</section>`;
}
