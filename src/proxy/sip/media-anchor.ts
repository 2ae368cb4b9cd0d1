/**
 * Media anchoring for one call: every SDP the proxy relays (offer or answer, in INVITE, 18x, 200,
 * ACK, UPDATE, PRACK, re-INVITE) names where its sender receives media. For each m= line that
 * becomes the peer of the sender's side of a relay session, and the SDP is rewritten to name the
 * relay's port of the receiving side instead (c=, m= port, a=rtcp, o= address and version), so both
 * legs' RTP and RTCP flow through the relay. A re-INVITE (hold, resume, a new address) moves the
 * peer and re-opens latching; an m= line answered with port 0 closes its session.
 *
 * Side "a" is the caller's (whoever sent the INVITE that created the call), "b" the callee's.
 * What is left alone, on purpose: c=0.0.0.0 (RFC 2543 hold) stays as written, ICE candidates are
 * not rewritten (a call that negotiates ICE may bypass the relay).
 */
import type { ParsedSessionDescription } from '../../decode/sdp.js';
import { rewriteSdp, type SdpMediaRewrite } from '../../encode/sdp-rewrite.js';
import type { MediaRelay, MediaSession, Side } from '../media/relay.js';

const unspecified = (a: string | undefined): boolean => a === undefined || a === '0.0.0.0' || a === '::';

export class CallMedia {
  readonly sessions: Array<MediaSession | null> = [];
  lastMediaMs: number;
  closed = false;

  constructor(readonly callId: string, private readonly relay: MediaRelay, nowMs: number, private readonly onOpen: (s: MediaSession, call: CallMedia) => void) {
    this.lastMediaMs = nowMs;
  }

  /**
   * The body `sdpBuf` (parsed as `sdp`) from side `from`, rewritten to name `advertise` and the
   * relay ports of the other side. Throws VoipreadyError E_LISTEN when the relay has no ports left.
   */
  async anchor(from: Side, sdpBuf: Buffer, sdp: ParsedSessionDescription, advertise: string): Promise<Buffer> {
    const to: Side = from === 'a' ? 'b' : 'a';
    const media: Array<SdpMediaRewrite | undefined> = [];
    for (const [i, m] of sdp.media.entries()) {
      if (m.port === 0) {
        // declined (or removed) stream: its ports go back
        this.sessions[i]?.close();
        this.sessions[i] = null;
        media.push(undefined);
        continue;
      }
      const session = this.sessions[i] ?? (await this.open(i, m.rtcpMux));
      const address = m.connection?.address;
      const named = unspecified(address) ? '0.0.0.0' : address!;
      const rtcp = m.rtcpPort !== undefined && Number.isFinite(m.rtcpPort) ? { address: m.rtcpAddress ?? named, port: m.rtcpPort } : null;
      session.setPeer(from, { address: named, port: m.port }, rtcp, m.rtcpMux);
      const local = session.localPort[to];
      media.push({
        port: local,
        ...(unspecified(address) ? {} : { connection: { address: advertise } }),
        ...(m.rtcpPort !== undefined ? { rtcp: { port: m.rtcpMux ? local : local + 1, ...(m.rtcpAddress !== undefined ? { address: advertise } : {}) } } : {}),
      });
    }
    const sessionConnection = sdp.connection !== undefined && !unspecified(sdp.connection.address) ? { connection: { address: advertise } } : {};
    return rewriteSdp(sdpBuf, sdp, { origin: { address: advertise, version: 'bump' }, ...sessionConnection, media });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.sessions) s?.close();
    this.sessions.length = 0;
  }

  private async open(i: number, rtcpMux: boolean): Promise<MediaSession> {
    const s = await this.relay.open({ label: `${this.callId} m=${i}`, rtcpMux });
    if (this.closed) {
      // the call ended while the ports were being bound
      s.close();
      return s;
    }
    this.sessions[i] = s;
    this.onOpen(s, this);
    return s;
  }
}
