/**
 * What the analysis saw but did not analyse, by kind (protocol-names.ts U_*) and number (EtherType,
 * IP protocol, service port...): the report names each with its packet count, so that a capture of
 * mirrored ESP or of web traffic never reads as an empty "nothing to measure". A processor: add() on
 * the packets that fall out of the pipeline (never on the RTP path), toJSON() at report time.
 * Bounded: at most MAX_KINDS distinct entries; packets of further kinds are counted under "other".
 */
import { undecodedName, U_TCP } from '../decode/protocol-names.js';
import type { UndecodedTraffic } from '../model/report.js';

const MAX_KINDS = 128;
const OTHER = -1;

interface Entry {
  kind: number;
  code: number;
  packets: number;
  firstPacket: number;
}

export class TrafficCensus {
  private readonly entries = new Map<number, Entry>();
  /** the entry of the last add (background traffic comes in runs of one kind: no lookup then) */
  private lastKey = NaN;
  private last: Entry | undefined = undefined;

  add(kind: number, code: number, packet: number, n = 1): void {
    let key = kind * 0x1000000 + code;
    if (key === this.lastKey) {
      this.last!.packets += n;
      return;
    }
    this.lastKey = key;
    let e = this.entries.get(key);
    if (e === undefined) {
      if (this.entries.size >= MAX_KINDS) {
        key = OTHER;
        e = this.entries.get(OTHER);
      }
      if (e === undefined) {
        e = { kind: key === OTHER ? 0 : kind, code, packets: 0, firstPacket: packet };
        this.entries.set(key, e);
      }
    }
    this.last = e;
    e.packets += n;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Every entry, most packets first; `sipTcpPorts`: TCP ports that carried SIP (their segments were
   * analysed, so they are not listed).
   */
  toJSON(sipTcpPorts: ReadonlySet<number> = new Set()): UndecodedTraffic[] {
    const out: UndecodedTraffic[] = [];
    for (const e of this.entries.values()) {
      if (e.kind === U_TCP && sipTcpPorts.has(e.code)) continue;
      out.push({ what: e.kind === 0 ? 'other' : undecodedName(e.kind, e.code), packets: e.packets, firstPacket: e.firstPacket });
    }
    return out.sort((a, b) => b.packets - a.packets || a.firstPacket - b.firstPacket);
  }
}

/** the port that names a UDP/TCP service: the lower of the two (well-known and registered ports are low) */
export function servicePort(srcPort: number, dstPort: number): number {
  return srcPort < dstPort ? srcPort : dstPort;
}
