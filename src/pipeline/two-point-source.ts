/**
 * The edge of two-point matching: reads capture A and the peer capture B side by side (two pull
 * readers, one chunk each in memory), takes the RTP header of every UDP packet of the SSRCs the
 * two analyses found, and feeds them to the TwoPointMatcher merged by time (B's time moved by the
 * given clock offset, or by an estimate from the first few hundred matches when none is given,
 * so that the merge stays aligned and the waiting packets few). A light extraction (link, IP, UDP,
 * RTP fixed header) instead of the whole pipeline: the analyses of A and B already ran; this pass
 * only needs the times, sequence numbers and DSCP of the packets.
 */
import { PullReader } from '../capture/pull-reader.js';
import type { CaptureRecord } from '../capture/record.js';
import { AddressTable } from '../decode/ip/address-table.js';
import { FrameDecoder } from '../decode/frame-decoder.js';
import { PacketInfo } from '../decode/packet-info.js';
import { decodeRtpHeader, isMuxedRtcp, RtpHeader } from '../decode/rtp.js';
import { TwoPointMatcher, type Side } from '../measure/two-point/matcher.js';
import { summariseTwoPoint, type StreamNames, type SummaryInput } from '../measure/two-point/summary.js';
import type { StreamReport, TwoPointReport } from '../model/report.js';

export interface TwoPointOptions {
  fileA: string;
  fileB: string;
  /** B's clock minus A's, ms; null when not given */
  clockOffsetMs: number | null;
  /** the streams the analyses of A and B found (ids and SSRCs) */
  streamsA: StreamReport[];
  streamsB: StreamReport[];
  /** how long a packet waits for its twin, ms (default 3000) */
  windowMs?: number;
  /** the per-packet delays of each stream with a delay figure (see SummaryInput.onDelays) */
  onDelays?: SummaryInput['onDelays'];
}

interface Sighting {
  /** ns since the first second either reader saw */
  t: number;
  rtp: boolean;
  ssrc: number;
  seq: number;
  ts: number;
  dscp: number;
}

/** RTP packets of each side read ahead to estimate the clock alignment when no offset is given */
const LOOKAHEAD = 2000;

class Side_ {
  readonly reader: PullReader<Sighting>;
  readonly ahead: Sighting[] = [];
  private readonly table = new AddressTable();
  private readonly decoder = new FrameDecoder(this.table);
  private readonly info = new PacketInfo();
  private readonly rtp = new RtpHeader();

  constructor(path: string, side: Side, ssrcs: Set<number>, names: Map<number, StreamNames>, base: { sec: number }) {
    this.reader = new PullReader(path, (rec: CaptureRecord): Sighting => {
      if (Number.isNaN(base.sec)) base.sec = rec.tsSec;
      const out: Sighting = { t: (rec.tsSec - base.sec) * 1e9 + rec.tsNsec, rtp: false, ssrc: 0, seq: 0, ts: 0, dscp: 0 };
      const p = this.info;
      if (this.decoder.decode(rec, p) !== 'ok' || p.proto !== 17) return out;
      const h = this.rtp;
      if (isMuxedRtcp(p.buf, p.payloadStart, p.payloadEnd) || decodeRtpHeader(p.buf, p.payloadStart, p.payloadEnd, h) < 0) return out;
      if (!ssrcs.has(h.ssrc)) return out;
      out.rtp = true;
      out.ssrc = h.ssrc;
      out.seq = h.sequence;
      out.ts = h.timestamp;
      out.dscp = p.dscp;
      const n = names.get(h.ssrc);
      if (n === undefined || n.src[side] === '') {
        const table = this.table;
        const entry = n ?? { src: ['', ''], dst: ['', ''], id: [null, null] };
        entry.src[side] = table.formatEndpoint(p.srcAddr, p.srcPort);
        entry.dst[side] = table.formatEndpoint(p.dstAddr, p.dstPort);
        names.set(h.ssrc, entry);
      }
      return out;
    });
  }

  peek(): Sighting | undefined {
    return this.ahead.length > 0 ? this.ahead[0] : this.reader.peek();
  }

  next(): Sighting | undefined {
    return this.ahead.length > 0 ? this.ahead.shift() : this.reader.next();
  }

  /** read ahead until `count` RTP sightings are buffered (or the file ends) */
  lookahead(count: number): Sighting[] {
    let rtp = 0;
    for (;;) {
      const s = this.reader.next();
      if (s === undefined) break;
      this.ahead.push(s);
      if (s.rtp && ++rtp >= count) break;
    }
    return this.ahead.filter((s) => s.rtp);
  }
}

/** median of tB - tA over the packets both lookaheads hold (the merge alignment), 0 when none match */
function estimateAlignment(a: Sighting[], b: Sighting[]): number {
  const atA = new Map<string, number>();
  for (const s of a) atA.set(`${s.ssrc}/${s.seq}/${s.ts}`, s.t);
  const diffs: number[] = [];
  for (const s of b) {
    const t = atA.get(`${s.ssrc}/${s.seq}/${s.ts}`);
    if (t !== undefined) diffs.push(s.t - t);
  }
  if (diffs.length === 0) return 0;
  diffs.sort((x, y) => x - y);
  return diffs[Math.floor(diffs.length / 2)]!;
}

function idOf(streams: StreamReport[], ssrc: number, src: string, dst: string): string | null {
  const text = `0x${ssrc.toString(16).padStart(8, '0')}`;
  const same = streams.filter((s) => s.ssrc === text);
  return (same.find((s) => s.src === src && s.dst === dst) ?? same[0])?.id ?? null;
}

export function matchTwoPoint(o: TwoPointOptions): TwoPointReport {
  const ssrcs = new Set([...o.streamsA, ...o.streamsB].map((s) => parseInt(s.ssrc, 16) >>> 0));
  const names = new Map<number, StreamNames>();
  const base = { sec: NaN };
  const sides = [new Side_(o.fileA, 0, ssrcs, names, base), new Side_(o.fileB, 1, ssrcs, names, base)] as const;
  const offsetNs = o.clockOffsetMs === null ? 0 : Math.round(o.clockOffsetMs * 1e6);
  const alignNs = o.clockOffsetMs !== null ? offsetNs : estimateAlignment(sides[0].lookahead(LOOKAHEAD), sides[1].lookahead(LOOKAHEAD));
  const m = new TwoPointMatcher({ windowNs: (o.windowMs ?? 3000) * 1e6, offsetNs, alignNs });
  for (;;) {
    const a = sides[0].peek();
    const b = sides[1].peek();
    if (a === undefined && b === undefined) break;
    const side: Side = b === undefined || (a !== undefined && a.t <= b.t - alignNs) ? 0 : 1;
    const s = sides[side].next()!;
    m.observe(side, s.t);
    if (s.rtp) m.push(side, s.t, s.ssrc, s.seq, s.ts, s.dscp);
  }
  m.finish();
  for (const [ssrc, n] of names) {
    n.id[0] = n.src[0] === '' ? null : idOf(o.streamsA, ssrc, n.src[0], n.dst[0]);
    n.id[1] = n.src[1] === '' ? null : idOf(o.streamsB, ssrc, n.src[1], n.dst[1]);
  }
  const sb = sides[1].reader.summary();
  sides[0].reader.summary();
  const peer = { file: o.fileB, format: sb.format, packets: sb.records, error: sb.error ? { code: sb.error.code, message: sb.error.message } : null };
  return summariseTwoPoint({ matcher: m, names, clockOffsetMs: o.clockOffsetMs, peer, ...(o.onDelays ? { onDelays: o.onDelays } : {}) });
}
