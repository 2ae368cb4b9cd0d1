/**
 * The MediaRelay on the native forwarding loop (native/rtp_relay.c): packets are read with
 * recvmmsg, latched and sent with sendmmsg in the addon's own thread, so JavaScript (its garbage
 * collector, the analysis) never sits between a packet and its forwarding. JavaScript only opens,
 * re-peers and closes sessions, and receives the packet records in batches (at least every 10 ms
 * while packets flow), which it turns into RelayedPacket for the analysis. When JavaScript falls
 * behind, the addon drops records (counted), never packets.
 *
 * Record layout (RECORD_SIZE bytes, big-endian), written by record() in rtp_relay.c:
 *   0 u32 session id · 4 u8 side (0 a, 1 b) · 5 u8 rtcp · 6 u8 forwarded · 7 u8 dscp (255 unknown)
 *   8 u16 source port · 10 u16 local port · 12 u16 length · 14 u16 prefix length
 *   16 u32 kernel stamp seconds · 20 u32 nanoseconds · 24 u32 added ns (0xffffffff: not forwarded)
 *   28 u8 family (4/6) · 32 16 bytes source address · 48 the packet's first bytes
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { VoipreadyError } from '../../errors.js';
import { packageRoot } from '../../package-root.js';
import { PortPool } from './port-pool.js';
import type {
  Endpoint, MediaRelay, MediaRelayOptions, MediaSession, RelayCounters, RelayedPacket, RelayPriority, SessionOptions, Side,
} from './relay.js';

const RECORD_SIZE = 320; // = rtp_relay.c: the prefix (272 bytes) keeps a 30 ms G.711 packet whole (recordings analyse it)
const RECORD_HEAD = 48;

export interface RtpRelayAddon {
  create(family: number, tos: number, learnMs: number, cb: (records: Buffer, count: number) => void, priority: number): unknown;
  open(h: unknown, bindAddress: string, portA: number, portB: number, rtcpMux: boolean): number;
  setPeer(h: unknown, id: number, side: number, rtpAddr: string, rtpPort: number, rtcpAddr: string, rtcpPort: number, mux: boolean): void;
  latched(h: unknown, id: number): [string, number, string, number];
  close(h: unknown, id: number): void;
  counters(h: unknown): { received: number; forwarded: number; strictDrops: number; junkDrops: number; noPeerDrops: number; sendErrors: number; recordsDropped: number; priority: number };
  destroy(h: unknown): void;
  latchRun(learnMs: number, steps: Array<[number, number, string, number, number, string]>): Array<number | string>;
}

let addon: RtpRelayAddon | null | undefined;
let problem = '';

/** the forwarding-loop addon, or null (relayAddonProblem() says why) */
export function loadRelayAddon(): RtpRelayAddon | null {
  if (addon === undefined) {
    if (process.env.VOIPREADY_NO_NATIVE === '1') {
      addon = null;
      problem = 'VOIPREADY_NO_NATIVE=1';
    } else {
      try {
        addon = createRequire(import.meta.url)(join(packageRoot(), 'native/build/Release/rtp_relay.node')) as RtpRelayAddon;
      } catch (err) {
        addon = null;
        problem = `native/build/Release/rtp_relay.node not loadable (${(err as Error).message.split('\n')[0]}): run npm install with a C compiler`;
      }
    }
  }
  return addon;
}

export function relayAddonProblem(): string {
  loadRelayAddon();
  return problem;
}

const unspecified = (a: string): boolean => a === '0.0.0.0' || a === '::' || a === '';

function ipText(buf: Buffer, at: number, family: number): string {
  if (family === 4) return `${buf[at]}.${buf[at + 1]}.${buf[at + 2]}.${buf[at + 3]}`;
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(buf.readUInt16BE(at + i).toString(16));
  // the compressed form, as inet_ntop and Node write it
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:::+/, '::');
}

/** the addon's priority numbers, by index */
const PRIORITY_CODES: readonly RelayPriority[] = ['normal', 'high', 'realtime'];

export class NativeRelay implements MediaRelay {
  readonly kind = 'loop' as const;
  private readonly h: unknown;
  private readonly pool: PortPool;
  private readonly sessions = new Map<number, NativeSession>();
  private closed = false;

  constructor(private readonly a: RtpRelayAddon, readonly opts: MediaRelayOptions) {
    this.pool = new PortPool(opts.portMin, opts.portMax);
    const family = opts.bindAddress.includes(':') ? 6 : 4;
    this.h = a.create(family, ((opts.dscp ?? 0) & 63) << 2, opts.learnMs, (buf, count) => this.onRecords(buf, count), PRIORITY_CODES.indexOf(opts.priority ?? 'realtime'));
  }

  async open(options: SessionOptions): Promise<MediaSession> {
    if (this.closed) throw new VoipreadyError('E_LISTEN', 'the media relay is closed');
    for (let tries = 0; tries < this.pool.total; tries++) {
      const pa = this.pool.take();
      if (pa === null) break;
      const pb = this.pool.take();
      if (pb === null) {
        this.pool.give(pa);
        break;
      }
      try {
        const id = this.a.open(this.h, this.opts.bindAddress, pa, pb, options.rtcpMux);
        const s = new NativeSession(id, { a: pa, b: pb }, this);
        this.sessions.set(id, s);
        return s;
      } catch (err) {
        // a pair someone else holds: both go to the back of the pool, the next pairs are tried
        this.pool.skip(pa);
        this.pool.skip(pb);
        if ((err as { code?: string }).code !== 'EADDRINUSE') throw new VoipreadyError('E_LISTEN', `media relay: ${(err as Error).message}`);
      }
    }
    throw new VoipreadyError('E_LISTEN', `no free RTP port pair left in ${this.opts.portMin}-${this.opts.portMax} on ${this.opts.bindAddress}`);
  }

  counters(): RelayCounters & { notAnalysed: number; thread: RelayPriority | 'starting' } {
    const { priority, recordsDropped, ...c } = this.closed ? this.last : this.a.counters(this.h);
    return { ...c, notAnalysed: recordsDropped, thread: PRIORITY_CODES[priority] ?? 'starting', portsInUse: this.pool.inUse * 2, portsTotal: this.pool.total * 2 };
  }

  private last = { received: 0, forwarded: 0, strictDrops: 0, junkDrops: 0, noPeerDrops: 0, sendErrors: 0, recordsDropped: 0, priority: -1 };

  async close(): Promise<void> {
    if (this.closed) return;
    for (const s of [...this.sessions.values()]) s.close();
    this.last = this.a.counters(this.h);
    this.closed = true;
    this.a.destroy(this.h);
  }

  /** @internal the session's own calls into the addon */
  setPeer(id: number, side: Side, rtp: Endpoint, rtcp: Endpoint | null, mux: boolean): void {
    const named = rtp.port > 0 && !unspecified(rtp.address);
    const rtcpAt = !named ? null : mux ? rtp : rtcp ?? { address: rtp.address, port: rtp.port + 1 };
    this.a.setPeer(this.h, id, side === 'a' ? 0 : 1, named ? rtp.address : '', named ? rtp.port : 0, rtcpAt?.address ?? '', rtcpAt?.port ?? 0, mux);
  }

  latchedOf(id: number): Record<Side, Endpoint | null> {
    const [aa, ap, ba, bp] = this.a.latched(this.h, id);
    return { a: aa === '' ? null : { address: aa, port: ap }, b: ba === '' ? null : { address: ba, port: bp } };
  }

  closeSession(s: NativeSession): void {
    if (!this.closed) this.a.close(this.h, s.id);
    this.pool.give(s.localPort.a);
    this.pool.give(s.localPort.b);
    this.sessions.delete(s.id);
  }

  private onRecords(buf: Buffer, count: number): void {
    const batch: RelayedPacket[] = [];
    const addr = this.opts.bindAddress;
    for (let i = 0; i < count; i++) {
      const o = i * RECORD_SIZE;
      const family = buf[o + 28]!;
      const dscp = buf[o + 7]!;
      const added = buf.readUInt32BE(o + 24);
      const forwarded = buf[o + 6] === 1;
      batch.push({
        sessionId: buf.readUInt32BE(o), from: buf[o + 4] === 0 ? 'a' : 'b', rtcp: buf[o + 5] === 1,
        src: { address: ipText(buf, o + 32, family), port: buf.readUInt16BE(o + 8) },
        dst: { address: addr, port: buf.readUInt16BE(o + 10) },
        tsSec: buf.readUInt32BE(o + 16), tsNsec: buf.readUInt32BE(o + 20), dscp: dscp === 255 ? null : dscp,
        payload: buf.subarray(o + RECORD_HEAD, o + RECORD_HEAD + buf.readUInt16BE(o + 14)),
        length: buf.readUInt16BE(o + 12), forwarded, addedNs: forwarded && added !== 0xffffffff ? added : null,
      });
    }
    this.opts.onPackets(batch);
  }
}

class NativeSession implements MediaSession {
  private isClosed = false;

  constructor(readonly id: number, readonly localPort: Readonly<Record<Side, number>>, private readonly relay: NativeRelay) {}

  setPeer(side: Side, rtp: Endpoint, rtcp: Endpoint | null, rtcpMux: boolean): void {
    if (!this.isClosed) this.relay.setPeer(this.id, side, rtp, rtcp, rtcpMux);
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.relay.closeSession(this);
  }

  latched(): Record<Side, Endpoint | null> {
    return this.isClosed ? { a: null, b: null } : this.relay.latchedOf(this.id);
  }
}
