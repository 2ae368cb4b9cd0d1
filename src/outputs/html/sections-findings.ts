/**
 * Findings grouped by severity (fail, warn, info) and within a severity by code, each group with
 * what it means and what to do (advice.ts), each finding with its message, where (packet, call,
 * stream) and its evidence lines. Beyond VISIBLE_INSTANCES a group folds into <details>; beyond
 * MAX_INSTANCES it is cut (all are in --json).
 */
import type { AnalysisReport, Finding, Severity } from '../../model/report.js';
import { adviceFor } from './advice.js';
import { escapeHtml as h, safeId } from './escape.js';

export const MAX_INSTANCES = 50;
/** findings of one code shown before the rest folds into "show all" */
export const VISIBLE_INSTANCES = 5;
const MAX_EVIDENCE_LINES = 12;
const SEVERITIES: Severity[] = ['fail', 'warn', 'info'];
const SEVERITY_TITLE: Record<Severity, string> = { fail: 'Failures', warn: 'Warnings', info: 'Information' };

export function findingsSection(r: AnalysisReport): string {
  if (r.findings.length === 0) {
    return `<section id="findings"><h2>Findings</h2><p class="empty">No findings: nothing exceeded the limits of profile ${h(r.profile)}.</p></section>`;
  }
  const parts: string[] = [];
  for (const sev of SEVERITIES) {
    const list = r.findings.filter((f) => f.severity === sev);
    if (list.length === 0) continue;
    parts.push(`<div class="sev ${sev}" data-severity="${sev}"><h3>${SEVERITY_TITLE[sev]} (${list.length})</h3>\n${byCode(list).map(groupHtml).join('\n')}</div>`);
  }
  return `<section id="findings"><h2>Findings</h2>\n${parts.join('\n')}\n</section>`;
}

function byCode(list: Finding[]): Array<[string, Finding[]]> {
  const groups = new Map<string, Finding[]>();
  for (const f of list) {
    const g = groups.get(f.code);
    if (g === undefined) groups.set(f.code, [f]);
    else g.push(f);
  }
  return [...groups.entries()];
}

function groupHtml([code, list]: [string, Finding[]]): string {
  const a = adviceFor(code);
  const first = list.slice(0, VISIBLE_INSTANCES).map(instanceHtml).join('\n');
  const rest = list.slice(VISIBLE_INSTANCES, MAX_INSTANCES).map(instanceHtml).join('\n');
  const folded = rest === '' ? '' : `\n<details class="more-findings"><summary>show ${Math.min(list.length, MAX_INSTANCES) - VISIBLE_INSTANCES} more</summary><ul class="instances">\n${rest}\n</ul></details>`;
  const more = list.length > MAX_INSTANCES ? `<p class="more">… and ${list.length - MAX_INSTANCES} more ${h(code)} findings (all are in <code>voipready analyze --json</code>).</p>` : '';
  return `<div class="finding-group" data-code="${h(code)}">
<h4><code>${h(code)}</code> · ${list.length} finding${list.length === 1 ? '' : 's'}</h4>
<p class="advice"><b>What it means:</b> ${h(a.meaning)}<br><b>What to do:</b> ${h(a.action)}</p>
<ul class="instances">
${first}
</ul>${folded}${more}
</div>`;
}

function instanceHtml(f: Finding): string {
  const where: string[] = [];
  if (f.packet !== undefined) where.push(`packet ${f.packet}`);
  if (f.streamId !== undefined) where.push(`stream <a href="#${safeId('stream-', f.streamId)}">${h(f.streamId)}</a>`);
  if (f.callId !== undefined) where.push(`call <span class="mono">${h(f.callId)}</span>`);
  if (f.measured !== undefined && f.limit !== undefined) where.push(`measured ${h(String(f.measured))}${h(f.unit ?? '')}, limit ${h(String(f.limit))}${h(f.unit ?? '')}`);
  const ev = f.evidence ?? [];
  const evidence = ev.length === 0 ? '' : `<ul class="evidence">${ev.slice(0, MAX_EVIDENCE_LINES).map((l) => `<li><code>${h(l)}</code></li>`).join('')}${ev.length > MAX_EVIDENCE_LINES ? `<li>… ${ev.length - MAX_EVIDENCE_LINES} more lines</li>` : ''}</ul>`;
  const advice = f.advice !== undefined && f.advice !== '' ? `<br><b>To do:</b> ${h(f.advice)}` : '';
  return `<li class="finding" data-code="${h(f.code)}">${h(f.message)}${where.length > 0 ? ` <span class="more">(${where.join(' · ')})</span>` : ''}${advice}${evidence}</li>`;
}
