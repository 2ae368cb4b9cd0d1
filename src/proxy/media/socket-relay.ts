/**
 * The MediaRelay over one UDP socket per port, with the forwarding decision in JavaScript: the
 * relay every build has. Its sockets are the probe's (src/probe/socket.ts): the udp_tos addon where
 * it was built, which reads the DSCP and the kernel's receive stamp of each datagram and marks what
 * it sends (kind 'native'), else Node's dgram, which can do neither (kind 'dgram': DSCP unknown,
 * receive time taken when the event loop gets to the packet, forwarded packets keep the socket's
 * default TOS).
 *
 * Each side of a session has an RTP socket and an RTCP socket (port + 1, bound even with rtcp-mux
 * so that a later offer without mux still has it). Latching is latch.ts, one Latch per side and
 * kind; accepted packets go out of the other side's socket and are reported in batches once per
 * turn of the event loop.
 */
import { VoipreadyError } from '../../errors.js';
import { nowMs, openSocket, type ProbeSocket, type Received } from '../../probe/socket.js';
import { Latch, isRtcpOnMux, looksLikeRtpOrRtcp } from './latch.js';
import { PortPool } from './port-pool.js';
import type {
  Endpoint, MediaRelay, MediaRelayOptions, MediaSession, RelayCounters, RelayedPacket, SessionOptions, Side,
} from './relay.js';

/** one side of a session: its two sockets and whom it latched */
interface SideState {
  port: number;
  rtpSock: ProbeSocket;
  rtcpSock: ProbeSocket;
  rtp: Latch;
  rtcp: Latch;
  mux: boolean;
}

const other = (s: Side): Side => (s === 'a' ? 'b' : 'a');

export class SocketRelay implements MediaRelay {
  readonly kind: 'native' | 'dgram';
  private readonly pool: PortPool;
  private readonly sessions = new Map<number, RelaySession>();
  private nextId = 1;
  private batch: RelayedPacket[] = [];
  private flushScheduled = false;
  private closed = false;
  readonly stats = { received: 0, forwarded: 0, strictDrops: 0, junkDrops: 0, noPeerDrops: 0, sendErrors: 0 };

  constructor(readonly opts: MediaRelayOptions, private readonly socketKind: 'native' | 'dgram') {
    this.kind = socketKind;
    if (!(opts.portMin > 0 && opts.portMax <= 65535 && opts.portMin < opts.portMax)) {
      throw new VoipreadyError('E_USAGE', `RTP port range ${opts.portMin}-${opts.portMax} is not a range of ports`);
    }
    this.pool = new PortPool(opts.portMin, opts.portMax);
  }

  async open(options: SessionOptions): Promise<MediaSession> {
    if (this.closed) throw new VoipreadyError('E_LISTEN', 'the media relay is closed');
    const a = await this.bindSide(options.rtcpMux);
    let b: SideState;
    try {
      b = await this.bindSide(options.rtcpMux);
    } catch (err) {
      this.release(a);
      throw err;
    }
    const session = new RelaySession(this.nextId++, options.label, { a, b }, this);
    this.sessions.set(session.id, session);
    return session;
  }

  counters(): RelayCounters {
    return { ...this.stats, portsInUse: this.pool.inUse * 2, portsTotal: this.pool.total * 2 };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.sessions.values()]) s.close();
    this.flush();
  }

  /** a pair of bound sockets from the pool; pairs someone else holds are skipped */
  private async bindSide(mux: boolean): Promise<SideState> {
    for (let tries = 0; tries < this.pool.total; tries++) {
      const port = this.pool.take();
      if (port === null) break;
      const side = await this.tryBind(port, mux);
      if (side !== null) return side;
      this.pool.skip(port);
    }
    throw new VoipreadyError('E_LISTEN', `no free RTP port pair left in ${this.opts.portMin}-${this.opts.portMax} on ${this.opts.bindAddress}`);
  }

  private async tryBind(port: number, mux: boolean): Promise<SideState | null> {
    const family = this.opts.bindAddress.includes(':') ? 6 : 4;
    const state: Partial<SideState> = { port, mux, rtp: new Latch(this.opts.learnMs), rtcp: new Latch(this.opts.learnMs) };
    const rtpSock = openSocket(family, (m) => state.rtpSock !== undefined && this.onPacket(state as SideState, false, m), this.socketKind);
    const rtcpSock = openSocket(family, (m) => state.rtcpSock !== undefined && this.onPacket(state as SideState, true, m), this.socketKind);
    try {
      await rtpSock.bind(this.opts.bindAddress, port);
      await rtcpSock.bind(this.opts.bindAddress, port + 1);
    } catch {
      rtpSock.close();
      rtcpSock.close();
      return null;
    }
    state.rtpSock = rtpSock;
    state.rtcpSock = rtcpSock;
    return state as SideState;
  }

  release(side: SideState): void {
    side.rtpSock.close();
    side.rtcpSock.close();
    this.pool.give(side.port);
  }

  forget(id: number): void {
    this.sessions.delete(id);
  }

  /** the side a socket belongs to is found through the session that owns it */
  private owner = new WeakMap<SideState, { session: RelaySession; side: Side }>();

  own(state: SideState, session: RelaySession, side: Side): void {
    this.owner.set(state, { session, side });
  }

  private onPacket(state: SideState, onRtcpPort: boolean, m: Received): void {
    const o = this.owner.get(state);
    if (o === undefined || o.session.isClosed) return;
    this.stats.received++;
    const rtcp = onRtcpPort || (state.mux && m.data.length > 1 && isRtcpOnMux(m.data[1]!));
    if (!looksLikeRtpOrRtcp(m.data, rtcp)) {
      this.stats.junkDrops++;
      return;
    }
    const verdict = rtcp
      ? state.rtcp.offer(m.address, m.port, m.atMs, state.rtp.latched()?.address ?? null)
      : state.rtp.offer(m.address, m.port, m.atMs);
    if (verdict === 'drop') {
      this.stats.strictDrops++;
      return;
    }
    const to = o.session.sides[other(o.side)];
    const target = rtcp ? (to.mux ? to.rtcp.latched() ?? to.rtp.target() : to.rtcp.target()) : to.rtp.target();
    const sock = rtcp && !to.mux ? to.rtcpSock : to.rtpSock;
    let forwarded = false;
    let addedNs: number | null = null;
    if (target === null) {
      this.stats.noPeerDrops++;
    } else {
      try {
        sock.send(m.data, target.address, target.port, this.opts.dscp ?? 0);
        forwarded = true;
        this.stats.forwarded++;
        // only a kernel receive stamp makes "added delay" mean the proxy's own time; dgram's is the loop's
        if (this.socketKind === 'native') addedNs = Math.max(0, Math.round((nowMs() - m.atMs) * 1e6));
      } catch {
        this.stats.sendErrors++;
      }
    }
    this.report({
      sessionId: o.session.id, from: o.side, rtcp, src: { address: m.address, port: m.port },
      dst: { address: this.opts.bindAddress, port: onRtcpPort ? state.port + 1 : state.port },
      tsSec: Math.floor(m.atMs / 1000), tsNsec: Math.round((m.atMs % 1000) * 1e6), dscp: m.dscp,
      payload: m.data, length: m.data.length, forwarded, addedNs,
    });
  }

  private report(p: RelayedPacket): void {
    this.batch.push(p);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    const b = this.batch;
    this.batch = [];
    this.opts.onPackets(b);
  }
}

class RelaySession implements MediaSession {
  readonly localPort: Readonly<Record<Side, number>>;
  isClosed = false;

  constructor(readonly id: number, readonly label: string, readonly sides: Record<Side, SideState>, private readonly relay: SocketRelay) {
    this.localPort = { a: sides.a.port, b: sides.b.port };
    relay.own(sides.a, this, 'a');
    relay.own(sides.b, this, 'b');
  }

  setPeer(side: Side, rtp: Endpoint, rtcp: Endpoint | null, rtcpMux: boolean): void {
    const s = this.sides[side];
    const now = nowMs();
    const named = rtp.port > 0 && rtp.address !== '0.0.0.0' && rtp.address !== '::' ? rtp : null;
    s.mux = rtcpMux;
    s.rtp.setPeer(named, now);
    s.rtcp.setPeer(named === null ? null : rtcpMux ? named : rtcp ?? { address: named.address, port: named.port + 1 }, now);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.relay.release(this.sides.a);
    this.relay.release(this.sides.b);
    this.relay.forget(this.id);
  }

  latched(): Record<Side, Endpoint | null> {
    return { a: this.sides.a.rtp.latched(), b: this.sides.b.rtp.latched() };
  }
}
