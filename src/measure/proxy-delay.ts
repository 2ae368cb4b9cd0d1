/**
 * End-to-end one-way delay of a stream through the inline proxy (method `proxy-rtcp`), from the parts
 * the proxy measures on its own clock:
 *   one-way = RTT(segment the stream enters by) / 2 + the proxy's added delay (p50, that leg) + RTT(segment it leaves by) / 2.
 * The halves assume each segment is symmetric (as rtcp-rtt does); the proxy part is measured.
 * A stream received on the a-leg (caller -> callee) enters by segment A and leaves by segment B.
 */
import type { DelayDistribution, StreamDelay, StreamReport, MouthToEar, MosEstimate, ProxyLeg as Leg, LegRtt } from '../model/report.js';
import { eModel } from './emodel.js';

export const PROXY_RTCP_RELIABILITY = 'estimate: symmetric segments; proxy part measured';

/** the segments' RTT (mean) and the proxy's added delay per leg */
export interface ProxyDelayParts {
  rtt: Record<Leg, LegRtt | null>;
  addedMs: Record<Leg, DelayDistribution | null>;
}

/** the one-way figure of a stream received on `leg`, or null when a segment has no RTT */
export function proxyOneWay(leg: Leg, parts: ProxyDelayParts): StreamDelay | null {
  const other: Leg = leg === 'a-leg' ? 'b-leg' : 'a-leg';
  const near = parts.rtt[leg];
  const far = parts.rtt[other];
  if (near === null || far === null) return null;
  // the dgram relay has no receive stamps: its part is unknown, counted as 0 and said so
  const added = parts.addedMs[leg];
  const proxyMs = added?.p50 ?? 0;
  const segA = (leg === 'a-leg' ? near : far).meanMs / 2;
  const segB = (leg === 'a-leg' ? far : near).meanMs / 2;
  const d: StreamDelay = {
    oneWayMs: r3(segA + proxyMs + segB), method: 'proxy-rtcp',
    reliability: added === null ? `${PROXY_RTCP_RELIABILITY} (proxy part not measured: dgram relay, taken as 0)` : PROXY_RTCP_RELIABILITY,
    rttMs: r3(near.meanMs + far.meanMs), rttCovers: 'caller <-> proxy <-> callee (sum of both segments)',
    parts: { segmentAMs: r3(segA), proxyMs: r3(proxyMs), segmentBMs: r3(segB) },
  };
  return d;
}

/** what the stream's own RTCP round trip covers when it was received on `leg` (the far segment) */
export function rttCoverage(leg: Leg): string {
  return leg === 'a-leg' ? 'proxy <-> callee (segment B) only' : 'caller <-> proxy (segment A) only';
}

/**
 * the stream with the proxy-rtcp delay where no better method measured it (none, or rtcp-rtt: the
 * far segment only), with mouth-to-ear and MOS recomputed for the new network delay
 */
export function withProxyDelay<S extends Omit<StreamReport, 'verdict'>>(s: S, leg: Leg, parts: ProxyDelayParts): S {
  const cur = s.delay;
  const covered: StreamDelay | null = cur === null ? null : cur.method === 'rtcp-rtt' ? { ...cur, rttCovers: rttCoverage(leg) } : cur;
  const better = cur !== null && cur.oneWayMs !== null && cur.method !== 'rtcp-rtt';
  const d = better ? null : proxyOneWay(leg, parts);
  if (d === null) return { ...s, delay: covered };
  if (covered?.method === 'rtcp-rtt') d.reason = `the stream's own RTCP round trip (${covered.rttMs} ms) covers ${rttCoverage(leg)}`;
  return { ...s, delay: d, ...requality(s.mouthToEar, s.mos, d) };
}

/** mouth-to-ear with the new network part, and the E-model rerun with its Ta (Ie,eff unchanged) */
function requality(m: MouthToEar | null, mos: MosEstimate | null, d: StreamDelay): { mouthToEar: MouthToEar | null; mos: MosEstimate | null } {
  if (m === null || d.oneWayMs === null) return { mouthToEar: m, mos };
  const totalMs = m.totalMs - m.networkMs + d.oneWayMs;
  const mouthToEar: MouthToEar = { ...m, totalMs: r3(totalMs), networkMs: d.oneWayMs, networkMeasured: true };
  if (mos === null) return { mouthToEar, mos };
  // Ie = Ie,eff with Ppl 0 gives Ie,eff back unchanged (G.107 7.5)
  const e = eModel({ Ta: totalMs, T: totalMs, Tr: 2 * totalMs, Ie: mos.ieEff, Ppl: 0 });
  const assumptions = mos.assumptions.map((a) => (a.startsWith('network one-way delay') ? `network one-way delay ${d.oneWayMs} ms (proxy-rtcp: ${d.reliability})` : a));
  return { mouthToEar, mos: { ...mos, mos: r3(e.mos), r: r3(e.R), idd: r3(e.Idd), assumptions } };
}

function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
