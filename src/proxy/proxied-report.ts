/**
 * The proxy's delay figures in its reports and metrics: which leg each media source arrived on, the
 * proxy-rtcp one-way delay (measure/proxy-delay.ts) given to each proxied stream through the
 * Analyzer's refineStreams entry (so it is graded), and the same figure as metric samples.
 */
import type { ProxyLeg } from '../model/report.js';
import type { StreamRefiner } from '../pipeline/analyzer.js';
import type { LiveStream } from '../pipeline/events.js';
import type { OneWayDelaySample } from '../outputs/prometheus/metrics.js';
import { withProxyDelay, proxyOneWay, type ProxyDelayParts } from '../measure/proxy-delay.js';

const MAX_SOURCES = 65_536;

/** which leg each media source address ("ip:port") arrived on, bounded (later sources past the cap are not labelled) */
export class LegOfSource {
  private readonly legs = new Map<string, ProxyLeg>();

  note(address: string, port: number, leg: ProxyLeg): void {
    if (this.legs.size >= MAX_SOURCES) return;
    const key = `${unbracket(address)}:${port}`;
    if (!this.legs.has(key)) this.legs.set(key, leg);
  }

  of(address: string, port: number): ProxyLeg | null {
    return this.legs.get(`${unbracket(address)}:${port}`) ?? null;
  }
}

/**
 * the refiner for Analyzer.refineStreams: each proxied stream (its source address seen on a leg) gets
 * the proxy-rtcp figure where nothing better measured it; parts() reads the proxy's figures now
 */
export function proxyStreamRefiner(legs: Pick<LegOfSource, 'of'>, parts: () => ProxyDelayParts): StreamRefiner {
  return (s) => {
    const leg = legs.of(hostOf(s.src), s.srcPort);
    return leg === null ? s : withProxyDelay(s, leg, parts());
  };
}

/**
 * the proxy-rtcp one-way delay of each active proxied stream now, as samples for
 * voipready_rtp_one_way_delay_seconds{method="proxy-rtcp"} (observed once a second, like the RTCP methods)
 */
/** true when the stream has a proxy-rtcp figure now (both segments measured): its far-segment rtcp-rtt is not observed */
export function hasProxyDelay(s: LiveStream, legs: Pick<LegOfSource, 'of'>, parts: ProxyDelayParts): boolean {
  const at = s.src.lastIndexOf(':');
  const leg = legs.of(hostOf(s.src), Number(s.src.slice(at + 1)));
  return leg !== null && proxyOneWay(leg, parts)?.oneWayMs != null;
}

export function proxyDelaySamples(streams: readonly LiveStream[], legs: Pick<LegOfSource, 'of'>, parts: ProxyDelayParts): OneWayDelaySample[] {
  const out: OneWayDelaySample[] = [];
  for (const s of streams) {
    const at = s.src.lastIndexOf(':');
    const leg = legs.of(hostOf(s.src), Number(s.src.slice(at + 1)));
    if (leg === null) continue;
    const d = proxyOneWay(leg, parts);
    if (d?.oneWayMs == null) continue;
    out.push({ src: s.src, dst: s.dst, codec: s.codec, method: 'proxy-rtcp', seconds: d.oneWayMs / 1000 });
  }
  return out;
}

/** the address of a report's "ip:port" / "[v6]:port" */
function hostOf(endpoint: string): string {
  const at = endpoint.lastIndexOf(':');
  return at < 0 ? endpoint : endpoint.slice(0, at);
}

function unbracket(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}
