/**
 * The HTML report's REGISTER bindings (report.registrations) and what was seen and not analysed
 * (input.undecoded, input.tunnelled): the same facts as the text report, server-rendered, with
 * data-field on each column's header naming the model value.
 */
import type { AnalysisReport, RegistrationReport } from '../../model/report.js';
import { count } from '../../model/undecoded-text.js';
import { escapeHtml as h } from './escape.js';

const BAD_OUTCOMES = new Set(['auth-failed', 'failed', 'no-response']);

export function registrationsSection(r: AnalysisReport): string {
  const list = r.registrations ?? [];
  if (list.length === 0) return '';
  const rows = list.map(registrationRow).join('\n');
  return `<section id="registrations"><h2>Registrations (${list.length})</h2>
<div class="scroll"><table id="registrations-table"><thead><tr><th data-field="aor">AOR (who)</th><th data-field="contact">Contact (where)</th><th data-field="ua">UA</th><th data-field="registrar">Registrar</th><th data-field="outcome">Outcome</th><th class="num" data-field="finalStatus">Status</th><th class="num" data-field="requests">REGISTERs</th><th class="num" data-field="challenges">401/407</th><th class="num" data-field="expiresSeconds">Expires</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>`;
}

function registrationRow(g: RegistrationReport): string {
  const cls = BAD_OUTCOMES.has(g.outcome) ? 'row-warn' : 'row-pass';
  const cells = [
    h(g.aor), h(g.contact ?? '-'), h(g.ua), h(g.registrar), h(g.outcome), g.finalStatus === null ? '-' : String(g.finalStatus),
    String(g.requests), String(g.challenges), g.expiresSeconds === null ? '-' : `${g.expiresSeconds} s`,
  ];
  return `<tr class="${cls}" title="Call-ID ${h(g.callId)}, first packet ${g.firstPacket}">${cells.map((c, i) => `<td${i >= 5 ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
}

export function undecodedSection(r: AnalysisReport): string {
  const list = r.input.undecoded ?? [];
  const tunnelled = r.input.tunnelled ?? 0;
  if (list.length === 0 && tunnelled === 0) return '';
  const note = tunnelled > 0 ? `<p>${count(tunnelled)} packets arrived inside tunnels (GRE, ERSPAN, VXLAN, MPLS, PPPoE...) and were unwrapped and analysed.</p>` : '';
  if (list.length === 0) return `<section id="undecoded"><h2>Not analysed</h2>${note}</section>`;
  const total = list.reduce((n, u) => n + u.packets, 0);
  const rows = list.map((u) => `<tr><td>${h(u.what)}</td><td class="num">${count(u.packets)}</td><td class="num">${u.firstPacket > 0 ? u.firstPacket : '-'}</td></tr>`).join('\n');
  return `<section id="undecoded"><h2>Not analysed (${count(total)} of ${count(r.input.packets)} packets)</h2>${note}
<div class="scroll"><table id="undecoded-table"><thead><tr><th data-field="what">What</th><th class="num" data-field="packets">Packets</th><th class="num" data-field="firstPacket">First packet</th></tr></thead>
<tbody>
${rows}
</tbody></table></div>
</section>`;
}
