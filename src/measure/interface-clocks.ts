/**
 * Each capture interface's first and last capture time. A pcapng file merged from captures taken at
 * different times (mergecap -a of two days' files, a tool that stamps one interface with another
 * clock) has interfaces whose time ranges lie months apart: first-to-last of the file is then no
 * duration of anything (9,783,934 s for a minute of traffic). When the ranges do not overlap and the
 * gap is more than an hour, the duration is the time the interfaces captured (their ranges added up),
 * and the report says why. A processor: push() per record (numbers only), apart() at the end.
 */

/** interfaces followed one by one; records of higher ids are counted with the last one */
const MAX_INTERFACES = 16;
/** a gap between interfaces' ranges that no capture session explains */
const APART_SECONDS = 3600;

export interface InterfaceSpan {
  interfaceId: number;
  firstPacket: number;
  /** epoch seconds */
  first: number;
  last: number;
}

export interface ClocksApart {
  spans: InterfaceSpan[];
  /** the largest gap between two consecutive ranges, seconds */
  gapSeconds: number;
  /** the ranges added up (overlaps once), seconds */
  capturedSeconds: number;
}

export class InterfaceClocks {
  private readonly first = new Float64Array(MAX_INTERFACES).fill(Number.NaN);
  private readonly last = new Float64Array(MAX_INTERFACES);
  private readonly firstPacket = new Float64Array(MAX_INTERFACES);

  push(interfaceId: number, tsSec: number, tsNsec: number, num: number): void {
    const i = interfaceId < MAX_INTERFACES ? interfaceId : MAX_INTERFACES - 1;
    const t = tsSec + tsNsec / 1e9;
    const f = this.first[i]!;
    if (Number.isNaN(f) || t < f) {
      if (Number.isNaN(f)) this.firstPacket[i] = num;
      this.first[i] = t;
    }
    if (t > this.last[i]! || Number.isNaN(f)) this.last[i] = t;
  }

  /** the interfaces' ranges when they lie apart (null: one interface, or ranges that overlap or touch) */
  apart(): ClocksApart | null {
    const spans: InterfaceSpan[] = [];
    for (let i = 0; i < MAX_INTERFACES; i++) {
      if (!Number.isNaN(this.first[i]!)) spans.push({ interfaceId: i, firstPacket: this.firstPacket[i]!, first: this.first[i]!, last: this.last[i]! });
    }
    if (spans.length < 2) return null;
    const byTime = [...spans].sort((a, b) => a.first - b.first);
    let gap = 0;
    let captured = 0;
    let from = byTime[0]!.first;
    let to = byTime[0]!.last;
    for (const s of byTime.slice(1)) {
      if (s.first > to) {
        gap = Math.max(gap, s.first - to);
        captured += to - from;
        from = s.first;
        to = s.last;
      } else {
        to = Math.max(to, s.last);
      }
    }
    captured += to - from;
    return gap > APART_SECONDS ? { spans, gapSeconds: gap, capturedSeconds: captured } : null;
  }
}
