/**
 * The RTP streams of a capture, keyed numerically by (source endpoint, destination endpoint, SSRC) as
 * tshark's rtpstream_id is (no string key per packet). Each stream runs the tshark-exact statistics
 * (measure/rtp-stream-stats.ts), our own RFC 3550 sequence accounting, DSCP counts, RTCP figures and a
 * bounded series.
 */
import type { PacketInfo } from '../decode/packet-info.js';
import { endpointKey } from '../decode/packet-info.js';
import { EndpointTable } from '../decode/ip/endpoint-table.js';
import type { RtpHeader } from '../decode/rtp.js';
import type { RtcpPacket } from '../decode/rtcp/compound.js';
import type { PayloadInfo } from './media-registry.js';
import { ntpMiddle32, ntpToEpochMs } from '../measure/ntp.js';
import { StreamArena } from '../measure/stream-arena.js';
import { RtpStreamState, type StreamContext } from './stream-state.js';

export { RtpStreamState } from './stream-state.js';
export type { StreamContext } from './stream-state.js';

export interface StreamTableOptions {
  addresses: { formatEndpoint(key: number, port: number): string };
  /** DSCP values the profile allows for RTP (packets with others count as mismatches) */
  rtpDscp: number[];
  /** bounded series length per stream (default 600 points; 0: no series) */
  seriesPoints?: number;
  /** where the streams' records go (default: a new arena for this table) */
  arena?: StreamArena;
}

export class StreamTable {
  /** (source endpoint, destination endpoint, SSRC) -> index in list */
  private readonly byKey = new EndpointTable(1024);
  private readonly bySsrc = new Map<number, RtpStreamState[]>();
  /** slot i holds the stream of arena record i; undefined once retired (until the record is reused) */
  private readonly slots: Array<RtpStreamState | undefined> = [];
  /** the streams held, in order of first packet (retired ones leave it) */
  private readonly held = new Set<RtpStreamState>();
  /** streams made so far (retired ones included) */
  created = 0;
  /** the streams' records (their figures); the stream in slot i is record i */
  readonly arena: StreamArena;
  /**
   * Per conversation (ctx.convId), its two latest streams as [src, dst, SSRC, index] x 2: most packets
   * find their stream here without hashing. Keys are compared in full, so a stale id only misses.
   * Bounded: conversation ids grow for ever on a long run, so they share CONV_CACHE_MAX slots.
   */
  private convCache = new Float64Array(0);
  /** a stream retired since the last packet: the cache may name its (reusable) record, so it is cleared */
  private cacheStale = false;
  /** tshark's rel_ts origin (the arena's) is set */
  private originSet = false;
  /** RTCP compounds seen (each numbers the streams it counted for) */
  private rtcpCompounds = 0;
  /** index in streams() of the stream the last pushRtp() went to */
  lastIndex = -1;

  constructor(private readonly opts: StreamTableOptions) {
    this.arena = opts.arena ?? new StreamArena();
    this.arena.setDscpAllowed(opts.rtpDscp);
  }

  /** a reloaded configuration: the DSCP values allowed for RTP, counted from the next packet on */
  setRtpDscp(allowed: number[]): void {
    this.arena.setDscpAllowed(allowed);
  }

  /** capture time of the FIRST frame of the capture (tshark's rel_ts origin); set before any push */
  setTimeOrigin(tsSec: number, tsNsec: number): void {
    this.arena.setOrigin(tsSec, tsNsec);
    this.originSet = true;
  }

  pushRtp(p: PacketInfo, hdr: RtpHeader, ctx: StreamContext): RtpStreamState {
    if (!this.originSet) this.setTimeOrigin(p.tsSec, p.tsNsec);
    // hundreds of streams interleave: a hash probe per packet, keys in a typed array (no boxing)
    const k = this.byKey.key;
    k[0] = endpointKey(p.srcAddr, p.srcPort);
    k[1] = endpointKey(p.dstAddr, p.dstPort);
    k[2] = hdr.ssrc;
    if (this.cacheStale) {
      this.convCache.fill(-1);
      this.cacheStale = false;
    }
    const conv = ctx.convId ?? -1;
    const cid = conv < 0 ? -1 : conv & CONV_CACHE_MASK;
    let at = cid >= 0 ? this.cached(cid) : -1;
    if (at < 0) {
      at = this.byKey.find();
      if (at >= 0 && cid >= 0) this.remember(cid, at);
    }
    if (at < 0) at = this.create(p, hdr.ssrc, ctx);
    this.lastIndex = at;
    const s = this.slots[at]!;
    s.push(p, hdr, ctx);
    return s;
  }

  /**
   * One RTCP compound (decoded by decodeRtcpCompound) from p.srcAddr. SRs count for the sender's
   * streams; report blocks go to the streams they describe, preferring those whose receiver sent them.
   */
  pushRtcp(p: PacketInfo, packets: readonly RtcpPacket[]): void {
    const captureMs = p.tsSec * 1000 + p.tsNsec / 1e6;
    // each stream the compound talks about counts it once: marked with this compound's number
    const mark = ++this.rtcpCompounds;
    for (const pkt of packets) {
      if (pkt.type === 'sr' || pkt.type === 'rr') {
        for (const s of this.matching(pkt.ssrc, p.srcAddr, true)) {
          touch(s, mark);
          if (pkt.type === 'sr') s.rtcp.onSenderReport(ntpMiddle32(pkt.ntpSeconds, pkt.ntpFraction), captureMs, ntpToEpochMs(pkt.ntpSeconds, pkt.ntpFraction));
        }
        for (const b of pkt.reports) {
          for (const s of this.matching(b.ssrc, p.srcAddr, false)) {
            touch(s, mark);
            if (pkt.type === 'rr') s.rtcp.receiverReports++;
            s.rtcp.onReportBlock(b, s.clockRateForRtcp(), captureMs);
          }
        }
      } else if (pkt.type === 'other' && pkt.ssrc >= 0) {
        for (const s of this.matching(pkt.ssrc, p.srcAddr, true)) touch(s, mark);
      }
    }
  }

  /** every stream held (not retired), in order of first packet */
  streams(): RtpStreamState[] {
    return [...this.held];
  }

  /** streams held now */
  get size(): number {
    return this.held.size;
  }

  /** settle the sequence windows (call once at the end of input) */
  flush(): void {
    for (const s of this.held) s.flush();
  }

  /**
   * Forget a stream (its figures were taken): its keys leave the indexes and its record goes back to
   * the arena for the next stream. The caller unbinds the record from the fast path first.
   */
  retire(s: RtpStreamState): void {
    const index = s.record.index;
    if (this.slots[index] !== s) return;
    this.byKey.delete(endpointKey(s.srcAddr, s.srcPort), endpointKey(s.dstAddr, s.dstPort), s.ssrc);
    const same = this.bySsrc.get(s.ssrc);
    if (same !== undefined) {
      const rest = same.filter((o) => o !== s);
      if (rest.length > 0) this.bySsrc.set(s.ssrc, rest);
      else this.bySsrc.delete(s.ssrc);
    }
    this.slots[index] = undefined;
    this.held.delete(s);
    // the conversation cache holds record numbers: a reused one must not be found under the old key
    this.cacheStale = true;
    if (this.lastIndex === index) this.lastIndex = -1;
    this.arena.free(index);
  }

  /** the index cached for conversation cid and the key in byKey.key, or -1 */
  private cached(cid: number): number {
    const c = this.convCache;
    const off = cid * 8;
    if (off >= c.length) return -1;
    const k = this.byKey.key;
    const a = k[0]!;
    const b = k[1]!;
    const ssrc = k[2]!;
    if (c[off] === a && c[off + 1] === b && c[off + 2] === ssrc) return c[off + 3]!;
    if (c[off + 4] === a && c[off + 5] === b && c[off + 6] === ssrc) return c[off + 7]!;
    return -1;
  }

  /** cache index `at` for conversation cid and the key in byKey.key (the older entry moves to slot 2) */
  private remember(cid: number, at: number): void {
    const off = cid * 8;
    if (off >= this.convCache.length) {
      const grown = new Float64Array(Math.max(64, (cid + 1) * 2) * 8).fill(-1);
      grown.set(this.convCache);
      this.convCache = grown;
    }
    const c = this.convCache;
    const k = this.byKey.key;
    c.copyWithin(off + 4, off, off + 4);
    c[off] = k[0]!;
    c[off + 1] = k[1]!;
    c[off + 2] = k[2]!;
    c[off + 3] = at;
  }

  /** a new stream for the key in byKey.key (indexed first, while the scratch key is still this one); its index */
  private create(p: PacketInfo, ssrc: number, ctx: StreamContext): number {
    const a = this.opts.addresses;
    const s = new RtpStreamState({
      ssrc,
      srcAddr: p.srcAddr,
      dstAddr: p.dstAddr,
      srcPort: p.srcPort,
      dstPort: p.dstPort,
      src: a.formatEndpoint(p.srcAddr, p.srcPort),
      dst: a.formatEndpoint(p.dstAddr, p.dstPort),
      callId: ctx.callId,
      detection: ctx.detection,
      srtp: ctx.srtp,
      seriesPoints: this.opts.seriesPoints ?? 600,
      arena: this.arena,
    });
    // the record's number is the stream's slot (a retired stream's record may be handed out again)
    const index = s.record.index;
    this.byKey.insert(index);
    this.slots[index] = s;
    this.held.add(s);
    this.created++;
    let same = this.bySsrc.get(ssrc);
    if (!same) this.bySsrc.set(ssrc, (same = []));
    same.push(s);
    return index;
  }

  /** streams with this SSRC; prefer those whose source (asSender) or destination is the RTCP sender */
  private matching(ssrc: number, rtcpFrom: number, asSender: boolean): readonly RtpStreamState[] {
    const all = this.bySsrc.get(ssrc);
    if (all === undefined) return NONE;
    // one stream per SSRC is the usual case: no new array for it
    if (all.length === 1) return all;
    const near = all.filter((s) => (asSender ? s.srcAddr : s.dstAddr) === rtcpFrom);
    return near.length > 0 ? near : all;
  }
}

const NONE: readonly RtpStreamState[] = [];

/** conversations the per-conversation cache has slots for (a power of two) */
const CONV_CACHE_MAX = 4096;
/** conversation id & mask: its slot */
const CONV_CACHE_MASK = CONV_CACHE_MAX - 1;

/** count the compound `mark` once for stream s */
function touch(s: RtpStreamState, mark: number): void {
  if (s.rtcpMark === mark) return;
  s.rtcpMark = mark;
  s.rtcp.packets++;
}

export type { PayloadInfo };
