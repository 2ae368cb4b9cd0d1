/**
 * The proxy's per-upstream series: one `upstream="host:port"` label value per configured upstream
 * (a closed set), read from the upstream set at scrape time, so a failover or a state change shows
 * on the next scrape without anything observed per request.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createProxyMetrics } from '../../../../src/outputs/prometheus/proxy-metrics.js';
import type { ProxyCounters } from '../../../../src/proxy/sip/sip-proxy.js';
import type { TransportCounters } from '../../../../src/proxy/sip/transport.js';
import { UpstreamSet } from '../../../../src/proxy/sip/upstreams.js';
import { sampleValue } from '../../../helpers/monitor.js';

const relay = { received: 0, forwarded: 0, strictDrops: 0, junkDrops: 0, noPeerDrops: 0, sendErrors: 0, portsInUse: 0, portsTotal: 0 };

describe('proxy upstream metrics', () => {
  it('count requests and failovers by reason per upstream, and say which is up, on each scrape', async () => {
    const set = new UpstreamSet([
      { host: '10.0.0.5', port: 5060, transport: 'udp', address: '10.0.0.5', domain: null },
      { host: '2001:db8::6', port: 5080, transport: 'tcp', address: '2001:db8::6', domain: 'pbx-b.example' },
    ], { holdDownMs: 30_000, probing: true });
    const registry = new Registry();
    createProxyMetrics(registry, {
      sip: () => ({}) as ProxyCounters, transport: () => ({ tcpConnections: 0, tcpRefused: 0, tcpSlowClosed: 0, framingErrors: 0, sendErrors: 0, tlsHandshakeErrors: 0 }) as TransportCounters,
      relay: () => relay, upstreams: () => set.all,
    });
    const text = async (): Promise<string> => registry.metrics();
    const before = await text();
    expect(before).toContain('voipready_proxy_upstream_up{upstream="10.0.0.5:5060"} 1');
    expect(before).toContain('voipready_proxy_upstream_up{upstream="[2001:db8::6]:5080"} 1');
    expect(before).toContain('voipready_proxy_upstream_failovers_total{upstream="10.0.0.5:5060",reason="unavailable"} 0');
    const [a, b] = set.all;
    a!.requests = 3;
    a!.failovers.timeout = 2;
    a!.failovers.unavailable = 1;
    b!.requests = 3;
    set.markDown(a!, 0);
    const after = await text();
    expect(sampleValue(after, 'voipready_proxy_upstream_requests_total', { upstream: '10.0.0.5:5060' })).toBe(3);
    expect(sampleValue(after, 'voipready_proxy_upstream_failovers_total', { upstream: '10.0.0.5:5060', reason: 'timeout' })).toBe(2);
    expect(sampleValue(after, 'voipready_proxy_upstream_failovers_total', { upstream: '10.0.0.5:5060', reason: 'unavailable' })).toBe(1);
    expect(after).toContain('voipready_proxy_upstream_up{upstream="10.0.0.5:5060"} 0');
    expect(after).toContain('voipready_proxy_upstream_up{upstream="[2001:db8::6]:5080"} 1');
    // three reasons per upstream, one up/requests series each: nothing else in the label set
    expect(after.split('\n').filter((l) => l.startsWith('voipready_proxy_upstream_failovers_total{'))).toHaveLength(6);
    expect(after.split('\n').filter((l) => l.startsWith('voipready_proxy_upstream_up{'))).toHaveLength(2);
  });
});
