/**
 * Which kind of box rewrote SIP, from the pattern of what it changed (alg-diff). The patterns, as
 * their sources describe them:
 * - Linux nf_nat_sip (net/netfilter/nf_nat_sip.c: nf_nat_sip() mangles the Request-URI, the top Via
 *   with its received=/rport=/maddr=, Contact, and From/To only where host:port equal the connection's
 *   address:port, writing the port explicitly (map_addr prints "%pI4:%u"); nf_nat_sdp_addr/
 *   nf_nat_sdp_session rewrite o= and the session and media c=, nf_nat_sdp_media m= only when the
 *   port changes; mangle_content_len recomputes Content-Length; the Call-ID is left alone);
 * - FortiGate SIP ALG / session helper (Fortinet "SIP ALG" and "nat-trace" docs): From, Call-ID, Via,
 *   Contact, Record-Route and Route rewritten, To and Request-URI not; nat-trace (on by default) adds
 *   "i=(o=IN IP4 <private>)" to the SDP;
 * - Juniper SRX/ScreenOS SIP ALG (Juniper "Understanding SIP ALG"): From, Call-ID, Via, Contact,
 *   Record-Route rewritten outbound; To and Request-URI not;
 * - Cisco ASA inspect sip (Cisco ASA configuration guide, "SIP inspection"): embedded addresses
 *   translated, an o= that differs from c= may stay; "software-version action mask" strips
 *   Server/User-Agent;
 * - siproxd (siproxd README): an explicit proxy that masquerades Contact, Via and c=/m= and relays
 *   RTP on its own ports (the m= port changes).
 * Nothing here is certain: the result says "likely" and names the lines that support it.
 */
import type { LineChange } from './diff-lines.js';
import type { MessageDiff } from './two-point.js';

export interface Fingerprint {
  /** "fingerprint: likely Linux nf_nat_sip", "rewritten, box unknown" or "no rewriting" */
  verdict: string;
  box: 'nf_nat_sip' | 'fortigate' | 'juniper' | 'cisco-asa' | 'siproxd' | 'unknown' | null;
  /** the changed lines that support it: "outbound INVITE (inside 3 / outside 3) Contact: a -> b" */
  evidence: string[];
}

interface Seen {
  fields: Set<string>;
  evidence: Map<string, string>;
  added: LineChange[];
  removed: LineChange[];
  changes: Array<{ d: MessageDiff; c: LineChange }>;
}

function collect(diffs: readonly MessageDiff[], dir: 'outbound' | 'inbound' | 'any'): Seen {
  const s: Seen = { fields: new Set(), evidence: new Map(), added: [], removed: [], changes: [] };
  for (const d of diffs) {
    if (dir !== 'any' && d.direction !== dir && d.direction !== 'unknown') continue;
    for (const c of d.changes) {
      const f = c.field === 'Via (top)' ? 'Via' : c.field;
      s.fields.add(f);
      s.changes.push({ d, c });
      if (c.before === null) s.added.push(c);
      if (c.after === null) s.removed.push(c);
      if (!s.evidence.has(f)) s.evidence.set(f, `${d.direction} ${d.what} (inside ${d.insidePacket} / outside ${d.outsidePacket}) ${c.before ?? '(none)'} -> ${c.after ?? '(removed)'}`);
    }
  }
  return s;
}

function ev(s: Seen, fields: readonly string[]): string[] {
  return fields.flatMap((f) => (s.evidence.has(f) ? [s.evidence.get(f)!] : []));
}

/** an o= line left as it was while c= changed, in a message where o= and c= now differ */
function originKept(s: Seen): boolean {
  return s.fields.has('c=') && !s.fields.has('o=');
}

const URI_WITH_PORT = /@[^;>\s]+:\d+/;

function portMadeExplicit(s: Seen): boolean {
  return s.changes.some(({ c }) => (c.field === 'From' || c.field === 'To' || c.field === 'Contact')
    && c.before !== null && c.after !== null && !URI_WITH_PORT.test(c.before) && URI_WITH_PORT.test(c.after));
}

export function fingerprint(diffs: readonly MessageDiff[]): Fingerprint {
  const all = collect(diffs, 'any');
  if (all.fields.size === 0) return { verdict: 'no rewriting', box: null, evidence: [] };
  const out = collect(diffs, 'outbound');
  const s = out.fields.size > 0 ? out : all;
  const natTrace = s.added.find((c) => /^i=\(o=IN IP[46] /.test(c.after ?? ''));
  const untouched = (...f: string[]): boolean => f.every((x) => !s.fields.has(x));
  const like = (box: Fingerprint['box'], name: string, evidence: string[]): Fingerprint => ({ verdict: `fingerprint: likely ${name}`, box, evidence });
  if (natTrace !== undefined) {
    return like('fortigate', 'FortiGate SIP ALG (nat-trace i= line added)', [`added ${natTrace.after}`, ...ev(s, ['Call-ID', 'From', 'Via', 'Contact'])]);
  }
  if (s.fields.has('Call-ID') && untouched('To', 'Request-URI')) {
    return like('juniper', 'Juniper SRX/ScreenOS SIP ALG (or a FortiGate with nat-trace off): Call-ID rewritten, To and Request-URI kept', ev(s, ['Call-ID', 'From', 'Via', 'Contact']));
  }
  const stripped = s.removed.filter((c) => c.field === 'User-Agent' || c.field === 'Server');
  if (stripped.length === 0 && s.fields.has('m=') && untouched('Call-ID', 'From')) {
    return like('siproxd', 'siproxd (masquerading proxy: Contact, Via, c= and the m= port to its own RTP relay)', ev(s, ['m=', 'c=', 'Contact', 'Via']));
  }
  if (stripped.length > 0 || (originKept(s) && untouched('Call-ID', 'm='))) {
    return like('cisco-asa', 'Cisco ASA inspect sip', [
      ...stripped.map((c) => `removed ${c.before}`), ...(originKept(s) ? ['c= translated, o= left as it was'] : []), ...ev(s, ['c=', 'Via', 'Contact']),
    ]);
  }
  const clOk = diffs.every((d) => d.contentLengthOk !== false);
  if (untouched('Call-ID') && (s.fields.has('Via') || s.fields.has('Contact')) && s.fields.has('o=') && s.fields.has('c=') && clOk) {
    return like('nf_nat_sip', 'Linux nf_nat_sip (Call-ID kept; Via, Contact, o= and c= rewritten; Content-Length recomputed' + (portMadeExplicit(s) ? '; port written explicitly' : '') + ')',
      ev(s, ['Via', 'Contact', 'From', 'o=', 'c=', 'Content-Length']));
  }
  return { verdict: 'rewritten, box unknown', box: 'unknown', evidence: [...s.evidence.values()].slice(0, 8) };
}
