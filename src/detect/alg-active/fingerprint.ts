/**
 * Which kind of box rewrote the messages, where the pattern allows it. The patterns (verified
 * against the sources named):
 * - Linux nf_nat_sip (net/netfilter/nf_nat_sip.c, nf_nat_sip(): map_sip_addr on the Request-URI,
 *   the top Via, Contact, From/To, only where host:port equals the connection's address and port,
 *   and the replacement always carries the port: "sip:2001@10.0.0.2" becomes "sip:2001@198.51.100.1:5060";
 *   Call-ID is not touched; nf_nat_sdp_addr/_session rewrite o= and c=, the m= port only when it changes;
 *   Content-Length is recomputed by mangle_content_len).
 * - FortiGate SIP ALG (Fortinet "SIP ALG and session helper" docs, `nat-trace enable` default):
 *   From, Call-ID, Via, Contact rewritten, To and Request-URI not; an SDP line `i=(o=IN IP4 <private>)`.
 * - Juniper SRX/ScreenOS (Juniper "Understanding SIP ALG" / SIP NAT): From, Call-ID, Via, Contact,
 *   Record-Route rewritten outbound; To and Request-URI not; no i= line.
 * - Cisco ASA `inspect sip` (Cisco ASA firewall configuration guide, SIP inspection): embedded
 *   addresses translated, o= that differs from c= may stay; `software-version action mask` removes
 *   Server/User-Agent.
 * - siproxd (siproxd README: masquerades Contact, Via, c=/m=, relays RTP on its own ports): an extra
 *   Via of its own and a different m= port.
 * Pure.
 */
import type { ExchangeResult } from './analyse.js';
import type { LineChange } from './sip-text.js';

export interface Fingerprint {
  /** "Linux nf_nat_sip", ..., or null: rewritten, box unknown */
  box: string | null;
  evidence: string[];
  /** "fingerprint: likely ..." or "rewritten, box unknown" */
  text: string;
}

function changed(all: LineChange[], field: string): LineChange[] {
  return all.filter((c) => c.field === field);
}

/** "<sip:2001@10.0.0.2>" -> "<sip:2001@198.51.100.1:5060>": a host without port replaced by host:port */
function portMadeExplicit(c: LineChange): boolean {
  if (c.before === null || c.after === null) return false;
  const b = /sip:[^@>;\s]*@([^>;\s]+)/.exec(c.before);
  const a = /sip:[^@>;\s]*@([^>;\s]+)/.exec(c.after);
  return b !== null && a !== null && !/:\d+$/.test(b[1]!) && /:\d+$/.test(a[1]!);
}

export function fingerprint(exchanges: ExchangeResult[]): Fingerprint {
  const out = exchanges.flatMap((x) => x.outbound);
  const callId = changed(out, 'Call-ID');
  const iLine = out.filter((c) => c.field === 'i=' && c.before === null && c.after !== null && /^i=\(o=IN IP[46] /.test(c.after));
  const from = changed(out, 'From');
  const to = changed(out, 'To');
  const ruri = changed(out, 'Request-URI');
  const via = changed(out, 'Via');
  const addedVia = via.filter((c) => c.before === null);
  const oLine = changed(out, 'o=');
  const cLine = changed(out, 'c=');
  const uaGone = out.filter((c) => (c.field === 'User-Agent' || c.field === 'Server') && c.after === null);
  const clBroken = exchanges.some((x) => x.contentLengthBroken);
  const ev = (cs: LineChange[]): string[] => cs.map((c) => `${c.before ?? '(none)'} -> ${c.after ?? '(removed)'}`);
  const extra = clBroken ? ['Content-Length does not match the body bytes the echo received'] : [];
  const make = (box: string | null, evidence: string[]): Fingerprint => ({
    box,
    evidence: [...evidence, ...extra],
    text: box === null ? 'rewritten, box unknown' : `fingerprint: likely ${box}`,
  });

  if (callId.length > 0 && iLine.length > 0) {
    return make('FortiGate SIP ALG', ['Call-ID rewritten', ...ev(callId), 'nat-trace SDP line added', ...ev(iLine), ...(to.length === 0 ? ['To untouched'] : [])]);
  }
  if (callId.length > 0 && from.length > 0 && to.length === 0 && ruri.length === 0) {
    return make('Juniper SRX/ScreenOS SIP ALG', ['Call-ID rewritten', ...ev(callId), 'From rewritten, To and Request-URI untouched', ...ev(from)]);
  }
  if (addedVia.length > 0 && changed(out, 'm= port').length > 0) {
    return make('an explicit SIP proxy (siproxd-like)', ['a Via added', ...ev(addedVia), 'm= port moved to the proxy', ...ev(changed(out, 'm= port'))]);
  }
  if (uaGone.length > 0 || (cLine.length > 0 && oLine.length === 0)) {
    return make('Cisco ASA inspect sip', [...(uaGone.length > 0 ? ['User-Agent/Server removed'] : []), ...(oLine.length === 0 && cLine.length > 0 ? ['c= rewritten, o= not'] : []), ...ev([...uaGone, ...cLine])]);
  }
  const explicitPort = [...changed(out, 'Contact'), ...from, ...to, ...ruri].filter(portMadeExplicit);
  if (callId.length === 0 && via.length > 0 && explicitPort.length > 0 && iLine.length === 0 && !clBroken) {
    return make('Linux nf_nat_sip (consumer router, OpenWrt)', [
      'Call-ID untouched', 'top Via rewritten', ...ev(via.slice(0, 1)),
      'port written explicitly where the original had none', ...ev(explicitPort),
      ...(oLine.length > 0 && cLine.length > 0 ? ['o= and c= rewritten', ...ev([...oLine, ...cLine])] : []),
      'Content-Length recomputed correctly',
    ]);
  }
  return make(null, ev(out).slice(0, 6));
}
