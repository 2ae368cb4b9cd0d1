/**
 * Where RTP actually flows against where the SDP said it would (RFC 3264 5: the offer's and the
 * answer's c=/m= name where each side receives; most endpoints also send from there, "symmetric
 * RTP", RFC 4961). Pure: the call's signalled endpoints and one stream's addresses in, observations out.
 */
import { sameAddress, splitEndpoint } from './addresses.js';
import type { Observation } from './observation.js';

/** one c=/m= pair of an SDP body seen in the call */
export interface SignalledEndpoint {
  addr: string;
  port: number;
  packet: number;
  /** the m= and c= lines quoted */
  lines: string;
}

export interface StreamSeen {
  id: string;
  ssrc: number;
  src: string;
  dst: string;
  callId: string;
}

function describe(eps: readonly SignalledEndpoint[]): string[] {
  return eps.map((e) => `packet ${e.packet}: ${e.lines}`);
}

/** the stream's source and destination against the call's SDP endpoints (at least two sides seen) */
export function checkStream(s: StreamSeen, eps: readonly SignalledEndpoint[]): Observation[] {
  const src = splitEndpoint(s.src);
  const dst = splitEndpoint(s.dst);
  if (src === null || dst === null) return [];
  const out: Observation[] = [];
  const head = `RTP stream ${s.id} (SSRC 0x${s.ssrc.toString(16).padStart(8, '0')}): ${s.src} -> ${s.dst}`;
  const base = { packet: eps[0]?.packet ?? 0, callId: s.callId };
  const exact = (a: { addr: string; port: number }): boolean => eps.some((e) => sameAddress(e.addr, a.addr) && e.port === a.port);
  const sameHost = (a: { addr: string }): SignalledEndpoint[] => eps.filter((e) => sameAddress(e.addr, a.addr));
  if (!exact(dst) && sameHost(dst).length > 0) {
    out.push({
      ...base, code: 'SDP_PORT_MISMATCH', severity: 'warn', confidence: 'medium',
      reason: 'RTP goes to the signalled address but another port: the SDP port was rewritten, or a NAT/ALG mapped the port without telling the SDP',
      message: `RTP goes to ${s.dst}, but the SDP said ${sameHost(dst).map((e) => `${e.addr}:${e.port}`).join(', ')}`,
      evidence: [head, ...describe(eps)],
    });
  }
  if (exact(src)) return out;
  const host = sameHost(src);
  if (host.length > 0) {
    out.push({
      ...base, code: 'SDP_PORT_MISMATCH', severity: 'warn', confidence: 'low',
      reason: 'RTP comes from the signalled address but another port: a NAT changed the source port (the SDP port is then wrong for symmetric-RTP peers), or the endpoint does not send from its receive port',
      message: `RTP comes from ${s.src}, but the SDP said ${host.map((e) => `${e.addr}:${e.port}`).join(', ')}`,
      evidence: [head, ...describe(eps)],
    });
  } else {
    out.push({
      ...base, code: 'RTP_FROM_UNSIGNALLED_ADDRESS', severity: 'warn', confidence: 'medium',
      reason: 'no SDP of the call names this source address: a NAT translated the media while the SDP kept the inside address (not NAT-aware, no ALG), or a relay sends it',
      message: `RTP comes from ${s.src}, an address no SDP of the call signalled`,
      evidence: [head, ...describe(eps)],
    });
  }
  return out;
}
