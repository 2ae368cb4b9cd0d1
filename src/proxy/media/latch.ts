/**
 * Latching for one side of a relayed media flow (RTP or RTCP): whom the relay accepts packets from
 * and where it sends the other side's packets. Pure state, no sockets: the dgram relay and the
 * native one (native/rtp_relay.c) follow the same rules, tested against the same table
 * (test/proxy/latch-vectors.ts).
 *
 * The rules, after rtpengine's `heuristic` learning followed by `strict-source`, which closes the
 * RTP-bleed hole (CVE-2017-14114: a relay that latches onto whoever sends first, at any time, hands a
 * third party the call's media):
 * - setPeer() names the address the SDP gave and opens a learning window of learnMs, counted from the
 *   first packet after it (or from setPeer itself when packets already flow).
 * - While learning, a packet from exactly the SDP's address:port latches at once and ends learning;
 *   otherwise the first source seen latches provisionally, and the SDP's exact address replaces it if
 *   it shows up within the window. Packets from a third source are dropped.
 * - After the window only the latched source is accepted. Learning re-opens only on setPeer (a new
 *   offer or answer), never because of what arrives.
 * - RTCP learns only from the host its side's RTP latched to (`host`), or from the exact address the
 *   SDP named: otherwise whoever sprays the RTCP ports first would latch them, and be sent the other
 *   side's RTCP (the same bleed on the RTCP port).
 */
import type { Endpoint } from './relay.js';

export type LatchVerdict = 'accept' | 'drop';

const sameEndpoint = (a: Endpoint | null, address: string, port: number): boolean =>
  a !== null && a.port === port && a.address === address;

export class Latch {
  private sdp: Endpoint | null = null;
  private latchedTo: Endpoint | null = null;
  /** learning from the start: media may flow before the SDP of its side is seen (early media) */
  private learning = true;
  /** when the window opened (ms), null until the first packet after setPeer */
  private windowStart: number | null = null;
  /** latched onto the SDP's own address (not a provisional first source) */
  private exact = false;

  constructor(private readonly learnMs: number) {}

  /** the address the SDP named (null: none, e.g. a=inactive or c=0.0.0.0); re-opens learning */
  setPeer(sdp: Endpoint | null, nowMs: number): void {
    this.sdp = sdp;
    this.learning = true;
    this.exact = false;
    this.windowStart = this.latchedTo === null ? null : nowMs;
    if (sdp !== null && sameEndpoint(this.latchedTo, sdp.address, sdp.port)) this.endLearning(true);
  }

  /**
   * Whether a packet from address:port at nowMs is accepted (and latches, while learning). `host`,
   * when given, is the only address that may latch other than the SDP's exact endpoint (null: none
   * may): RTCP passes its RTP latch's address.
   */
  offer(address: string, port: number, nowMs: number, host?: string | null): LatchVerdict {
    if (this.learning && this.windowStart !== null && nowMs - this.windowStart > this.learnMs) this.endLearning(this.exact);
    if (!this.learning) return sameEndpoint(this.latchedTo, address, port) ? 'accept' : 'drop';
    if (sameEndpoint(this.sdp, address, port)) {
      this.windowStart ??= nowMs;
      this.latchedTo = { address, port };
      this.endLearning(true);
      return 'accept';
    }
    if (host !== undefined && host !== address) return 'drop';
    this.windowStart ??= nowMs;
    if (this.latchedTo === null) {
      this.latchedTo = { address, port };
      return 'accept';
    }
    return sameEndpoint(this.latchedTo, address, port) ? 'accept' : 'drop';
  }

  /** where packets for this side go: the latched source (symmetric RTP, NAT), else the SDP's address */
  target(): Endpoint | null {
    return this.latchedTo ?? this.sdp;
  }

  latched(): Endpoint | null {
    return this.latchedTo;
  }

  isLearning(): boolean {
    return this.learning;
  }

  private endLearning(exact: boolean): void {
    this.learning = false;
    this.exact = exact;
  }
}

/** RFC 5761 section 4: on a muxed port, a second byte of 192-223 is RTCP (its packet types 200-204 with the marker bit) */
export function isRtcpOnMux(b1: number): boolean {
  return b1 >= 192 && b1 <= 223;
}

/** RTP and RTCP are version 2 (the top two bits of the first byte) and at least a fixed header long */
export function looksLikeRtpOrRtcp(buf: Uint8Array, rtcp: boolean): boolean {
  return buf.length >= (rtcp ? 8 : 12) && buf[0]! >> 6 === 2;
}
