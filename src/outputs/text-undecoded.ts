/**
 * The text report's account of what was seen and not analysed (input.undecoded, input.tunnelled):
 * "1,240 packets of IPsec ESP were not analysed". A capture with nothing to measure says what it
 * holds instead of a bare "nothing to measure".
 */
import type { AnalysisReport } from '../model/report.js';
import { count } from '../model/undecoded-text.js';

/** shown one per line; the rest summed */
const MAX_LINES = 8;

/** the lines of the "Not analysed" section (empty when everything was analysed) */
export function undecodedLines(r: AnalysisReport, bold: (s: string) => string, dim: (s: string) => string): string[] {
  const list = r.input.undecoded ?? [];
  const tunnelled = r.input.tunnelled ?? 0;
  const out: string[] = [];
  if (tunnelled > 0) out.push(`${count(tunnelled)} packets arrived inside tunnels (GRE, ERSPAN, VXLAN, MPLS, PPPoE...) and were unwrapped and analysed.`);
  if (list.length === 0) return out.length === 0 ? [] : [...out, ''];
  const total = list.reduce((n, u) => n + u.packets, 0);
  out.unshift(bold(`Not analysed (${count(total)} of ${count(r.input.packets)} packets)`));
  for (const u of list.slice(0, MAX_LINES)) {
    const first = u.firstPacket > 0 ? dim(` [first: packet ${u.firstPacket}]`) : '';
    out.push(`  ${count(u.packets)} packet${u.packets === 1 ? '' : 's'} of ${u.what} ${u.packets === 1 ? 'was' : 'were'} not analysed${first}`);
  }
  if (list.length > MAX_LINES) {
    const rest = list.slice(MAX_LINES).reduce((n, u) => n + u.packets, 0);
    out.push(dim(`  ... ${count(rest)} packets of ${list.length - MAX_LINES} more kinds (see --json input.undecoded)`));
  }
  out.push('');
  return out;
}

