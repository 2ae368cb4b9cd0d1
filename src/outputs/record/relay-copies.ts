/**
 * The proxy's forwarded packets for the recording: the loop relay hands over each packet as
 * received (those reach the recording through the datagram entry like every other packet); this
 * adds the copy the relay sent on the other leg, from the relay's port on that side to where the
 * relay sends (the source that side latched to, else the address its SDP named: latch rules in
 * src/proxy/media/relay.ts), stamped at the send time (receive stamp + the added delay, where
 * measured) with the DSCP the relay marks. It learns the sessions by wrapping the relay the SIP side
 * uses (open, setPeer, close), never by reaching into it.
 */
import type { Datagram } from '../../pipeline/datagram.js';
import type { Endpoint, MediaRelay, MediaSession, RelayedPacket, Side } from '../../proxy/media/relay.js';

interface Kinds {
  rtp: Endpoint | null;
  rtcp: Endpoint | null;
}

interface SessionInfo {
  localPort: Readonly<Record<Side, number>>;
  /** where each side's SDP said it receives */
  sdp: Record<Side, Kinds>;
  /** the source each side sends from (what the relay latches to and sends back to) */
  seen: Record<Side, Kinds>;
}

export interface RelayCopiesOptions {
  /** the relay's own address toward a peer (its bind address, or the interface toward it) */
  localAddress(peer: string): string;
  /** DSCP the relay marks forwarded packets with (a dgram relay cannot: 0 is written) */
  dscp: number | null;
  sink(d: Datagram): void;
}

const none = (): Kinds => ({ rtp: null, rtcp: null });

export class RelayCopies {
  private readonly sessions = new Map<number, SessionInfo>();
  private dscp: number | null;
  /** forwarded packets whose destination was not known (no latch, no SDP seen) */
  unknownDestination = 0;

  constructor(private readonly opts: RelayCopiesOptions) {
    this.dscp = opts.dscp;
  }

  /** the relay as the SIP side should use it: the same, with its sessions known here */
  wrapRelay(relay: MediaRelay): MediaRelay {
    if (relay.kind === 'dgram') this.dscp = null;
    return {
      kind: relay.kind,
      open: async (o) => this.wrapSession(await relay.open(o)),
      counters: () => relay.counters(),
      close: () => relay.close(),
    };
  }

  /** the forwarded copy of p (nothing when p was not forwarded) */
  packet(p: RelayedPacket): void {
    const s = this.sessions.get(p.sessionId);
    if (s === undefined) return;
    const kind = p.rtcp ? 'rtcp' : 'rtp';
    // RTCP on its own port (RTP port + 1), or muxed on the RTP port
    const onRtcpPort = p.rtcp && p.dst.port === s.localPort[p.from] + 1;
    s.seen[p.from][kind] = { address: p.src.address, port: p.src.port };
    if (!p.forwarded) return;
    const to: Side = p.from === 'a' ? 'b' : 'a';
    const dest = s.seen[to][kind] ?? s.sdp[to][kind] ?? rtcpBeside(s.sdp[to].rtp, onRtcpPort);
    if (dest === null) {
      this.unknownDestination++;
      return;
    }
    let sec = p.tsSec;
    let nsec = p.tsNsec + (p.addedNs ?? 0);
    if (nsec >= 1e9) {
      sec += Math.floor(nsec / 1e9);
      nsec %= 1e9;
    }
    this.opts.sink({
      src: this.opts.localAddress(dest.address), srcPort: s.localPort[to] + (onRtcpPort ? 1 : 0),
      dst: dest.address, dstPort: dest.port, transport: 'udp', tsSec: sec, tsNsec: nsec, dscp: this.dscp,
      payload: p.payload, source: `proxy:${to}-leg-out`, wireBytes: p.length + (dest.address.includes(':') ? 48 : 28),
    });
  }

  private wrapSession(session: MediaSession): MediaSession {
    const info: SessionInfo = { localPort: session.localPort, sdp: { a: none(), b: none() }, seen: { a: none(), b: none() } };
    this.sessions.set(session.id, info);
    return {
      id: session.id,
      localPort: session.localPort,
      setPeer: (side, rtp, rtcp, rtcpMux) => {
        info.sdp[side] = { rtp: { ...rtp }, rtcp: rtcpMux ? { ...rtp } : rtcp === null ? null : { ...rtcp } };
        // a new offer/answer re-opens learning: the side may send from elsewhere now
        info.seen[side] = none();
        session.setPeer(side, rtp, rtcp, rtcpMux);
      },
      close: () => {
        this.sessions.delete(session.id);
        session.close();
      },
      latched: () => session.latched(),
    };
  }
}

function rtcpBeside(rtp: Endpoint | null, onRtcpPort: boolean): Endpoint | null {
  if (rtp === null) return null;
  return onRtcpPort ? { address: rtp.address, port: rtp.port + 1 } : rtp;
}
