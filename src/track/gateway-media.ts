/**
 * RTP set up by a media gateway controller (MGCP, RFC 3435; MEGACO/H.248 text) instead of SIP: the SDP
 * of CRCX/MDCX and their answers, and of H.248 Local/Remote descriptors, names the RTP endpoints of a
 * connection, so that its RTP is tied to that connection (the MGCP call id, the H.248 context) instead
 * of being found by the heuristic. A processor: push() per message, answers the media to register.
 * Bounded: transactions waiting for their answer are remembered up to MAX_PENDING.
 */
import { parseMgcp, type MgcpMessage } from '../decode/mgcp.js';
import { parseMegaco } from '../decode/megaco.js';
import type { PacketInfo } from '../decode/packet-info.js';
import { expectedMediaOf } from './call-sdp.js';
import type { ExpectedMedia } from './call-types.js';

/** IANA: MGCP gateway 2427, call agent 2727; MEGACO text 2944 (binary 2945 is not read) */
export const GATEWAY_PORTS = new Set([2427, 2727, 2944]);
const MAX_PENDING = 4096;

export class GatewayMediaTracker {
  /** messages read, and those with SDP */
  messages = 0;
  /** transaction id -> the connection it belongs to (an answer carries no call id) */
  private readonly pending = new Map<string, string>();

  /** connections a message ended (DLCX, H.248 Subtract), taken by the caller after each push */
  readonly ended: string[] = [];

  /** the media one datagram on a gateway port announces; null: not MGCP / MEGACO */
  push(p: PacketInfo): ExpectedMedia[] | null {
    this.ended.length = 0;
    const mgcp = parseMgcp(p.buf, p.payloadStart, p.payloadEnd);
    if (mgcp !== null) return mgcp.flatMap((m) => this.mgcpMedia(m, p));
    const h248 = parseMegaco(p.buf, p.payloadStart, p.payloadEnd);
    if (h248 === null) return null;
    this.messages++;
    for (const c of h248.subtracted) this.ended.push(`MEGACO context ${c}`);
    return h248.descriptors.flatMap((d) => this.media(d.sdp, `MEGACO context ${d.context}`, p.num, !d.local));
  }

  private mgcpMedia(m: MgcpMessage, p: PacketInfo): ExpectedMedia[] {
    this.messages++;
    let owner: string | null;
    if (m.kind === 'command') {
      owner = m.callId === null ? `MGCP ${m.endpoint}` : `MGCP ${m.callId}`;
      // RFC 3435 2.3.9: DeleteConnection ends the connection; its SDP endpoints are forgotten (memory stays bounded)
      if (m.verb === 'DLCX') this.ended.push(owner);
      // an answer comes from where its command went: the key is the answering side's address and port
      this.remember(`${p.dstAddr}:${p.dstPort} ${m.txId}`, owner);
    } else {
      owner = this.pending.get(`${p.srcAddr}:${p.srcPort} ${m.txId}`) ?? null;
    }
    return owner === null || m.sdp === null ? [] : this.media(m.sdp, owner, p.num, m.kind === 'command');
  }

  private remember(key: string, owner: string): void {
    if (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(key, owner);
  }

  private media(sdp: Buffer, owner: string, frame: number, offer: boolean): ExpectedMedia[] {
    const r = expectedMediaOf(sdp, { callId: owner, frame, sdpSide: offer ? 'offer' : 'answer', sdpOwnerIsCaller: offer });
    return typeof r === 'string' ? [] : r;
  }
}
