/**
 * The calls table: caller, callee, setup time, final status, duration, verdict, and links to the
 * call's streams. Every value is server-rendered text (readable without JavaScript); data-call on
 * each row and data-field on each column's header say which model value a cell shows.
 */
import type { AnalysisReport, CallReport } from '../../model/report.js';
import { escapeHtml as h, safeId } from './escape.js';
import { durationText, fixed } from './format.js';
import { verdictCell } from './sections-summary.js';

export function callsSection(r: AnalysisReport): string {
  if (r.calls.length === 0) {
    const regs = r.registrations?.length ?? 0;
    const why = regs > 0
      ? `No call: the SIP signalling in this capture is ${regs} registration(s) (see Registrations).`
      : r.streams.length > 0
        ? 'No SIP signalling in this capture: the RTP streams below were recognised from their packets alone.'
        : 'No SIP signalling and no RTP in this capture.';
    return `<section id="calls"><h2>Calls</h2><p class="empty">${why}</p></section>`;
  }
  const rows = r.calls.map((c, i) => callRow(c, i)).join('\n');
  const paged = r.calls.length > 50 ? ' data-paged="1"' : '';
  return `<section id="calls"><h2>Calls (${r.calls.length})</h2>
<div class="scroll"><table id="calls-table"${paged}><thead><tr><th class="num">#</th><th data-field="from">Caller</th><th data-field="to">Callee</th><th class="num" data-field="setupMs">Setup</th><th class="num" data-field="finalStatus">Status</th><th data-field="state">State</th><th class="num" data-field="durationSeconds">Duration</th><th data-field="streams">Streams</th><th data-field="verdict">Verdict</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>`;
}

function callRow(c: CallReport, i: number): string {
  const streams = c.streams.length === 0 ? '<span class="empty">no RTP</span>' : c.streams.map((s) => `<a href="#${safeId('stream-', s)}">${h(s)}</a>`).join(' ');
  return `<tr class="row-${c.verdict}" data-call="${i}" title="Call-ID ${h(c.callId)}, SIP ${h(c.sipSrc)} → ${h(c.sipDst)} over ${h(c.transport)}">
<td>${i + 1}</td><td>${h(c.from)}</td><td>${h(c.to)}</td><td>${c.setupMs === null ? '–' : `${fixed(c.setupMs, 0)} ms`}</td><td>${c.finalStatus === null ? '–' : c.finalStatus}</td><td>${h(c.state)}</td><td>${durationText(c.durationSeconds)}</td><td>${streams}</td>${verdictCell(c.verdict)}</tr>`;
}
