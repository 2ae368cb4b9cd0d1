/**
 * The proxy's own series: what its SIP side did with each message, what its media relay did with
 * each packet, the calls and ports in use, and the delay the proxy itself added to each forwarded
 * packet (kernel receive stamp to send, where the relay can read the stamp). Counters are read from
 * the proxy's and the relay's counters at scrape time; the delay is observed per packet.
 */
import type { Registry } from 'prom-client';
import type { RelayCounters } from '../../proxy/media/relay.js';
import type { ProxyCounters } from '../../proxy/sip/sip-proxy.js';
import type { TransportCounters } from '../../proxy/sip/transport.js';
import { FAILOVER_REASONS, type UpstreamEntry } from '../../proxy/sip/upstreams.js';
import { ComputedGaugeFamily, HistogramFamily, type Family, type FamilySnapshot, type Sample } from './family.js';
import { registerFamily } from './prom-bridge.js';

/** a counter whose samples are read from counters kept elsewhere, on scrape */
class ComputedCounterFamily implements Family {
  readonly type = 'counter' as const;
  constructor(readonly name: string, readonly help: string, private readonly compute: () => Sample[]) {}

  snapshot(): FamilySnapshot {
    return { name: this.name, help: this.help, type: 'counter', values: this.compute(), aggregator: 'sum' };
  }
}

export interface ProxyMetricSources {
  sip(): ProxyCounters;
  transport(): TransportCounters;
  relay(): RelayCounters;
  /** the configured upstreams (a closed set: at most MAX_UPSTREAMS label values); absent: no per-upstream series */
  upstreams?(): readonly UpstreamEntry[];
}

export interface ProxyMetrics {
  /** the proxy's own added delay of one forwarded packet, seconds, on the leg it arrived from */
  addedDelay(leg: string, seconds: number): void;
}

/** 20 us to 50 ms: the proxy's target is p99 < 1 ms */
const ADDED_DELAY_BUCKETS = [0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05];

export function createProxyMetrics(registry: Registry, src: ProxyMetricSources): ProxyMetrics {
  const sip = new ComputedCounterFamily('voipready_proxy_sip_messages_total', 'SIP messages the proxy received, by what it did with them', () => {
    const c = src.sip();
    const t = src.transport();
    const rows: Array<[string, number]> = [
      ['forwarded', c.forwarded], ['absorbed_retransmission', c.absorbed], ['rejected_forbidden', c.rejectedForbidden],
      ['rejected_not_found', c.rejectedNotFound], ['too_many_hops', c.tooManyHops], ['no_rtp_ports', c.noPorts],
      ['malformed', c.malformed + t.framingErrors], ['rate_limited', c.rateLimited], ['stray_response', c.stray],
    ];
    return rows.map(([outcome, value]) => ({ labels: { outcome }, value }));
  });
  const notAnalysed = new ComputedCounterFamily('voipready_proxy_media_not_analysed_total',
    'relayed RTP/RTCP packets the analysis never saw (it fell behind the loop relay; forwarding is never held back)',
    () => [{ labels: {}, value: src.relay().notAnalysed ?? 0 }]);
  const media = new ComputedCounterFamily('voipready_proxy_media_packets_total', 'RTP/RTCP packets the media relay received, by what it did with them', () => {
    const r = src.relay();
    const rows: Array<[string, number]> = [
      ['forwarded', r.forwarded], ['dropped_strict_source', r.strictDrops], ['dropped_junk', r.junkDrops],
      ['dropped_no_peer', r.noPeerDrops], ['send_error', r.sendErrors],
    ];
    return rows.map(([outcome, value]) => ({ labels: { outcome }, value }));
  });
  const tcp = new ComputedCounterFamily('voipready_proxy_tcp_connections_total', 'SIP TCP connections, by outcome (slow: closed holding an unfinished message, slowloris)', () => {
    const t = src.transport();
    return [
      { labels: { outcome: 'opened' }, value: t.tcpConnections },
      { labels: { outcome: 'refused' }, value: t.tcpRefused },
      { labels: { outcome: 'closed_slow' }, value: t.tcpSlowClosed },
      { labels: { outcome: 'tls_handshake_failed' }, value: t.tlsHandshakeErrors },
    ];
  });
  const calls = new ComputedGaugeFamily('voipready_proxy_calls_active', 'calls with media anchored on the proxy now', () => [{ labels: {}, value: src.sip().callsActive }]);
  const ports = new ComputedGaugeFamily('voipready_proxy_rtp_ports', 'RTP/RTCP ports of --rtp-ports, by state', () => {
    const r = src.relay();
    return [{ labels: { state: 'in_use' }, value: r.portsInUse }, { labels: { state: 'total' }, value: r.portsTotal }];
  });
  const delay = new HistogramFamily('voipready_proxy_added_delay_seconds', 'delay the proxy added to a forwarded packet (kernel receive stamp to send), by the leg it came from', ['leg'], ADDED_DELAY_BUCKETS);
  for (const f of [sip, media, notAnalysed, tcp, calls, ports, delay, ...upstreamFamilies(src)]) registerFamily(registry, f);
  return { addedDelay: (leg, seconds) => delay.observe({ leg }, seconds) };
}

/** per upstream (label `upstream="host:port"`, as configured): requests sent, failovers by reason, up or down */
function upstreamFamilies(src: ProxyMetricSources): Family[] {
  const all = (): readonly UpstreamEntry[] => src.upstreams?.() ?? [];
  return [
    new ComputedCounterFamily('voipready_proxy_upstream_requests_total', 'requests the proxy sent to each upstream (each attempt once, retransmissions not counted)',
      () => all().map((u) => ({ labels: { upstream: u.label }, value: u.requests }))),
    new ComputedCounterFamily('voipready_proxy_upstream_failovers_total', 'requests moved from an upstream to the next one, by reason (timeout: Timer B/F; unreachable: TCP connect failed; unavailable: 503)',
      () => all().flatMap((u) => FAILOVER_REASONS.map((reason) => ({ labels: { upstream: u.label, reason }, value: u.failovers[reason] })))),
    new ComputedGaugeFamily('voipready_proxy_upstream_up', 'whether an upstream is up (1) or held down after a failure (0)',
      () => all().map((u) => ({ labels: { upstream: u.label }, value: u.up ? 1 : 0 }))),
  ];
}
