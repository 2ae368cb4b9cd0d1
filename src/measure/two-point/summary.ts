/**
 * From the matcher's per-SSRC state to the report's two-point entries, with the clock verdict.
 *
 * Direction: the sign of the median difference tB - offset - tA (>= 0: A saw it first). Delay is
 * that difference for A->B and its negation for B->A. The clocks are judged from the packets
 * themselves, never assumed good silently:
 * - a negative delay (a packet arriving before it was sent) means the clocks (or the given offset)
 *   are off by at least that much;
 * - the two directions of one call (the same two endpoints at A, swapped) cannot both reach the same
 *   point first when both points are on the path: if they do, the clocks are off by more than the
 *   delay of one direction, and the stream with the larger difference is the one that went A->B.
 * Either way no delay figure is given, and the offset is bounded instead: every A->B packet gives
 * offset <= its difference, every B->A packet offset >= its difference.
 */
import type { DelayDistribution, TwoPointReport, TwoPointStream } from '../../model/report.js';
import type { SsrcState, TwoPointMatcher } from './matcher.js';

export interface StreamNames {
  /** per side: "ip:port" source and destination at first sighting, and the report's stream id */
  src: [string, string];
  dst: [string, string];
  id: [string | null, string | null];
}

export interface SummaryInput {
  matcher: TwoPointMatcher;
  names: Map<number, StreamNames>;
  clockOffsetMs: number | null;
  peer: TwoPointReport['peer'];
  /** each stream with a delay figure, with its per-packet one-way delays (ms, with counts): for the delay metric */
  onDelays?: (stream: TwoPointStream, visit: (each: (ms: number, count: number) => void) => void) => void;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

interface Row {
  s: SsrcState;
  n: StreamNames;
  forward: boolean;
}

function median(s: SsrcState): number {
  return s.diff.quantile(0.5);
}

function distribution(s: SsrcState, forward: boolean): DelayDistribution {
  const d = s.diff;
  const q = (p: number) => round3(d.quantile(p, !forward) / 1000);
  return {
    min: round3((forward ? d.min : -d.max) / 1000), mean: round3((forward ? d.mean : -d.mean) / 1000),
    p50: q(0.5), p95: q(0.95), p99: q(0.99), max: round3((forward ? d.max : -d.min) / 1000),
  };
}

/** the other direction of the same call: the same two endpoints at A, swapped */
function pairs(rows: Row[]): Array<[Row, Row]> {
  const byEnds = new Map<string, Row>();
  for (const r of rows) byEnds.set(`${r.n.src[0]}>${r.n.dst[0]}`, r);
  const out: Array<[Row, Row]> = [];
  for (const r of rows) {
    const o = byEnds.get(`${r.n.dst[0]}>${r.n.src[0]}`);
    if (o !== undefined && r.s.ssrc < o.s.ssrc) out.push([r, o]);
  }
  return out;
}

export function summariseTwoPoint(input: SummaryInput): TwoPointReport {
  const m = input.matcher;
  const rows: Row[] = [];
  for (const s of m.streams.values()) {
    const n = input.names.get(s.ssrc);
    if (n === undefined || s.matched === 0) continue;
    rows.push({ s, n, forward: median(s) >= 0 });
  }
  const reasons: string[] = [];
  for (const [a, b] of pairs(rows)) {
    const ma = median(a.s);
    const mb = median(b.s);
    if (a.forward === b.forward && ma !== 0 && mb !== 0) {
      reasons.push(`both directions of ${a.n.src[0]} <-> ${a.n.dst[0]} reach ${a.forward ? 'A' : 'B'} first`);
      a.forward = ma >= mb;
      b.forward = !a.forward;
    }
  }
  let lo = -Infinity;
  let hi = Infinity;
  for (const r of rows) {
    if (r.forward) hi = Math.min(hi, r.s.diff.min);
    else lo = Math.max(lo, r.s.diff.max);
    const negative = r.forward ? r.s.diff.min : -r.s.diff.max;
    if (negative < 0) reasons.push(`${ssrcText(r.s.ssrc)} has packets ${round3(-negative / 1000)} ms "before" they were sent`);
  }
  const given = input.clockOffsetMs;
  const bad = reasons.length > 0;
  const clock: TwoPointReport['clock'] = bad ? 'not-synchronised' : given !== null ? 'given' : 'assumed';
  const base = given ?? 0;
  const bound = { min: lo === -Infinity ? null : round3(base + lo / 1000), max: hi === Infinity ? null : round3(base + hi / 1000) };
  const note = clockNote(clock, given, bound, reasons);
  const streams = rows.map((r) => entry(r, bad, given, clock === 'not-synchronised' ? 'no delay figure: the clocks are not synchronised (see clockNote)' : note));
  if (input.onDelays !== undefined && !bad) {
    rows.forEach((r, i) => input.onDelays!(streams[i]!, (each) => r.s.diff.forEachValue((us, n) => each((r.forward ? us : -us) / 1000, n))));
  }
  return { peer: input.peer, clockOffsetMs: given, clock, offsetBoundMs: bound, clockNote: note, windowMs: m.windowNs / 1e6, streams };
}

function entry(r: Row, bad: boolean, given: number | null, note: string): TwoPointStream {
  const s = r.s;
  const up = r.forward ? 0 : 1;
  const lostBetween = s.only[up];
  return {
    ssrc: ssrcText(s.ssrc), streamIdA: r.n.id[0], streamIdB: r.n.id[1], direction: r.forward ? 'A->B' : 'B->A',
    srcA: r.n.src[0], dstA: r.n.dst[0], srcB: r.n.src[1], dstB: r.n.dst[1],
    matched: s.matched, lostBetween,
    lostBetweenPercent: round3((100 * lostBetween) / Math.max(1, s.matched + lostBetween)),
    lostBefore: s.lostBefore, onlyDownstream: s.only[1 - up]!,
    delayMs: bad ? null : distribution(s, r.forward), delayExact: s.diff.isExact,
    dscpA: counts(s.dscp[0]), dscpB: counts(s.dscp[1]), remarked: s.remarked,
    clockOffsetMs: given, clockNote: note,
  };
}

function clockNote(clock: TwoPointReport['clock'], given: number | null, b: TwoPointReport['offsetBoundMs'], reasons: string[]): string {
  const range = `B's clock minus A's lies between ${b.min ?? '-inf'} and ${b.max ?? '+inf'} ms`;
  if (clock === 'not-synchronised') {
    const what = given === null ? 'the two captures\' clocks are not synchronised' : `the given --clock-offset ${given} ms is wrong`;
    return `${what}: ${reasons.slice(0, 3).join('; ')}. From the packets, ${range}; pass --clock-offset to get delays.`;
  }
  if (clock === 'given') return `--clock-offset ${given} ms (B minus A) applied; consistent with the packets (${range}).`;
  return `no --clock-offset: the clocks are taken as synchronised; nothing contradicts it (${range}), but an offset inside that range would go unseen and shift every delay by its amount.`;
}

function counts(a: Uint32Array): Record<string, number> {
  const out: Record<string, number> = {};
  a.forEach((n, d) => {
    if (n > 0) out[String(d)] = n;
  });
  return out;
}

function ssrcText(ssrc: number): string {
  return `0x${ssrc.toString(16).padStart(8, '0')}`;
}
