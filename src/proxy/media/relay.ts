/**
 * The proxy's media relay: the contract between the SIP side (src/proxy/sip/, which rewrites SDP and
 * decides when media starts, moves and ends) and the packet mover (a native recvmmsg/sendmmsg loop in
 * native/rtp_relay.c, or the pure-dgram fallback when the addon is not built). The SIP side never
 * touches a media packet; the relay never parses SIP.
 *
 * One MediaSession anchors one m= line of one call: two sides, "a" (the side that sent the offer that
 * created it, normally the caller) and "b". Each side has its own local RTP port (and RTCP port = RTP
 * port + 1 unless rtcp-mux): the proxy writes side a's local port into the SDP it sends to a, side b's
 * into the SDP it sends to b. A packet received on side a's port from a's endpoint is sent from side
 * b's port to b's endpoint, and the other way round.
 *
 * Latching (where to send, whom to accept), per side, the same in both implementations (see
 * test/proxy/latch-vectors.ts for the shared table both are tested against):
 * - setPeer() gives the address the SDP named and opens a learning window (learnMs, default 3000 ms
 *   from the first packet after setPeer or from setPeer when packets already flow).
 * - While learning: a packet from exactly the SDP's address:port latches at once (and ends learning);
 *   otherwise the first source seen in the window latches provisionally, and a later packet from the
 *   exact SDP address:port within the window replaces it (rtpengine's "heuristic").
 * - After the window: strict source. Only the latched source is accepted; anything else is dropped and
 *   counted (`strictDrops`), never forwarded, never latched (CVE-2017-14114, RTP bleed). Learning
 *   re-opens only on setPeer() (a new offer/answer).
 * - Sending to a side goes to its latched source when it has one (symmetric RTP, NAT), else to the
 *   address the SDP named; a side with neither drops (`noPeerDrops`).
 * - RTCP follows the same rules on the RTCP port (or on the RTP port with rtcp-mux: RTCP is told apart
 *   by RFC 5761 section 4: second byte 192-223 is RTCP).
 * - Packets that are not RTP/RTCP version 2 (junk) are dropped and counted (`junkDrops`).
 *
 * Every accepted packet is reported to the analysis through onPackets, in batches, with the kernel's
 * receive stamp and DSCP where the implementation can read them; forwarded RTP is marked with
 * `dscp` (EF by default) so the proxy never breaks QoS.
 */

export interface Endpoint {
  address: string;
  port: number;
}

export type Side = 'a' | 'b';

export interface SessionOptions {
  /** free text for logs and record labels, e.g. the Call-ID and m= index */
  label: string;
  rtcpMux: boolean;
}

export interface MediaSession {
  readonly id: number;
  /** local RTP port of each side (RTCP is +1 unless rtcp-mux) */
  readonly localPort: Readonly<Record<Side, number>>;
  /** the SDP of this side named where it receives; re-opens learning for that side */
  setPeer(side: Side, rtp: Endpoint, rtcp: Endpoint | null, rtcpMux: boolean): void;
  /** stop forwarding both ways (hold with a=inactive keeps the ports: the SIP side decides) */
  close(): void;
  /** latched sources, null while none */
  latched(): Record<Side, Endpoint | null>;
}

/** one packet the relay accepted (and forwarded, unless forwarded is false) */
export interface RelayedPacket {
  sessionId: number;
  /** the side it came from */
  from: Side;
  rtcp: boolean;
  src: Endpoint;
  /** the relay's local address:port it arrived on */
  dst: Endpoint;
  /** kernel receive stamp where known, else the time JavaScript or the loop read it */
  tsSec: number;
  tsNsec: number;
  /** DSCP as received, null when the implementation cannot read it */
  dscp: number | null;
  /** the packet (RTP: at least the header and CSRC/extension; RTCP: whole); valid during the callback only */
  payload: Buffer;
  /** its length on the wire (payload may be a prefix) */
  length: number;
  forwarded: boolean;
  /** send time minus kernel receive stamp, nanoseconds; null when not forwarded or not measurable */
  addedNs: number | null;
}

export interface RelayCounters {
  received: number;
  forwarded: number;
  strictDrops: number;
  junkDrops: number;
  noPeerDrops: number;
  sendErrors: number;
  /** relayed packets the analysis never saw: it fell behind and the loop relay's record buffer was full (packets are never held back) */
  notAnalysed?: number;
  /** the loop relay's forwarding thread: the scheduling it obtained ('starting' until the thread runs) */
  thread?: RelayPriority | 'starting';
  /** ports in use / in the range */
  portsInUse: number;
  portsTotal: number;
}

export type RelayPriority = 'realtime' | 'high' | 'normal';

export interface MediaRelayOptions {
  /** local address the relay binds (the address written into SDP c= is the SIP side's business) */
  bindAddress: string;
  /** inclusive port range; RTP ports are even, RTCP the odd one above */
  portMin: number;
  portMax: number;
  /** DSCP written on forwarded packets (46 = EF); null leaves the socket default */
  dscp: number | null;
  learnMs: number;
  /**
   * the forwarding thread's scheduling ('loop' relay only): 'realtime' (SCHED_FIFO, the default: a
   * packet never waits behind the analysis for a core), 'high' (nice -10) or 'normal'; without the
   * privilege it falls back step by step and counters().priority says what it got
   */
  priority?: RelayPriority;
  /** called with batches of accepted packets (at least every 50 ms while packets flow) */
  onPackets(batch: readonly RelayedPacket[]): void;
}

export interface MediaRelay {
  /**
   * 'loop': the native forwarding thread (native/rtp_relay.c: recvmmsg/sendmmsg, DSCP, kernel stamps,
   * records to JavaScript in batches); 'native': JavaScript forwarding on the udp_tos addon's sockets
   * (DSCP, kernel stamps); 'dgram': JavaScript forwarding on Node's dgram (DSCP unknown)
   */
  readonly kind: 'loop' | 'native' | 'dgram';
  /** a new session with a local port pair for each side; throws VoipreadyError E_LISTEN when the range is full or a port cannot be bound */
  open(options: SessionOptions): Promise<MediaSession>;
  counters(): RelayCounters;
  /** close every session and socket */
  close(): Promise<void>;
}
