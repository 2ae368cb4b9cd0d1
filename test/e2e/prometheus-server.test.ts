/**
 * A real Prometheus scrapes our server (fed by a fake LiveView that advances like a replay), then
 * every PromQL expression of every dashboard panel must return data; promtool lints /metrics; an
 * OpenMetrics backfill file goes through promtool into blocks that Prometheus then answers from.
 * Runs without the analyzer; test/e2e/prometheus-cli.test.ts does the same through the real CLI.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenMetricsWriter } from '../../src/outputs/openmetrics.js';
import { createMetrics } from '../../src/outputs/prometheus/metrics.js';
import { startServer } from '../../src/outputs/server/server.js';
import type { RunningServer } from '../../src/outputs/server/server.js';
import { FakeView, fakeSettings, stream } from '../unit/outputs/prometheus/fake-view.js';
import type { MutableStream } from '../unit/outputs/prometheus/fake-view.js';
import {
  PROMTOOL_BIN, NOT_SERVED_ROWS, dashboardQueries, havePrometheus, instantQuery, startPrometheus, waitFor,
} from '../helpers/prometheus.js';
import type { RunningPrometheus } from '../helpers/prometheus.js';

/** one capture second of traffic: 50 packets per stream, a loss now and then, jitter wandering */
function tick(view: FakeView, streams: MutableStream[], n: number): void {
  for (const [i, s] of streams.entries()) {
    s.packets += 50;
    s.expected += 50 + (n % 3 === i ? 1 : 0);
    s.lost = s.expected - s.packets;
    s.jitterMs = 3 + ((n * 7 + i * 11) % 25);
    s.dscpMismatchPackets += i === 1 ? 50 : 0;
  }
  view.now += 1000;
}

describe.skipIf(!havePrometheus)('real Prometheus scraping the server (fake pipeline)', () => {
  const view = new FakeView();
  const m = createMetrics({ settings: fakeSettings(), defaultMetrics: true });
  let server: RunningServer;
  let prom: RunningPrometheus;
  let timer: NodeJS.Timeout;

  beforeAll(async () => {
    m.attach(view);
    const streams = [
      view.add(stream('s1', { codec: 'PCMA', mos: 4.3, oneWayDelay: { ms: 30, method: 'rtcp-rtt' } })),
      view.add(stream('s2', { src: '192.0.2.7:12000', dst: '10.0.0.1:10000', portOutOfRange: true, verdict: 'warn' })),
    ];
    for (const s of streams) m.listener.onStream?.(s, 'start');
    const call = { callId: 'c1', state: 'setup', finalStatus: null as number | null, setupMs: null as number | null, startEpochMs: view.now, endEpochMs: null as number | null };
    view.callList.push(call);
    m.listener.onCall?.(call, 'start');
    Object.assign(call, { state: 'answered', finalStatus: 200, setupMs: 800 });
    m.listener.onCall?.(call, 'answered');
    m.listener.onFinding?.({ severity: 'warn', code: 'DSCP_RTP_NOT_EF', message: 'x' });
    let n = 0;
    timer = setInterval(() => {
      tick(view, streams, n++);
      m.listener.onSecond?.(Math.floor(view.now / 1000), view);
    }, 250);
    server = await startServer({ registry: m.registry, view: () => view, listen: { host: '127.0.0.1', port: 0 } });
    prom = await startPrometheus({ targets: [server.address], scrapeIntervalSeconds: 1 });
    // rate() over 15 s needs at least two scrapes of a series
    await waitFor(async () => {
      const r = await instantQuery(prom.url, 'count_over_time(voipready_rtp_packets_received_total[1m])');
      return Number(r.data?.result[0]?.value?.[1] ?? 0) >= 4;
    }, 30_000, () => 'Prometheus did not scrape voipready 4 times');
  });

  afterAll(async () => {
    clearInterval(timer);
    await prom?.stop();
    await server?.close();
  });

  it('scrapes the target successfully, in OpenMetrics', async () => {
    const r = await instantQuery(prom.url, 'up{job="voipready"}');
    expect(r.data?.result[0]?.value?.[1]).toBe('1');
    const typeInfo = await fetch(`${prom.url}/api/v1/metadata?metric=voipready_rtp_packets_received`);
    const meta = (await typeInfo.json()) as { data: Record<string, Array<{ type: string }>> };
    // the family name without _total only exists when Prometheus parsed our OpenMetrics rendering
    expect(meta.data.voipready_rtp_packets_received?.[0]?.type).toBe('counter');
  });

  it('every dashboard panel query returns data', async () => {
    // the monitor's health row is checked against a running monitor (monitor-prometheus-soak.test.ts), the active ALG check row against alg-check (alg-check-prometheus.test.ts)
    const queries = dashboardQueries('dashboards/grafana').filter((q) => !NOT_SERVED_ROWS.includes(q.row));
    expect.assertions(queries.length * 2 + 1);
    expect(queries.length).toBeGreaterThan(15);
    for (const q of queries) {
      const r = await instantQuery(prom.url, q.expr);
      expect(r.status, `${q.dashboard} / ${q.panel}: ${q.expr}: ${r.error ?? ''}`).toBe('success');
      expect(r.data?.result.length ?? 0, `${q.dashboard} / ${q.panel}: ${q.expr} returned nothing`).toBeGreaterThan(0);
    }
  });

  it('the Prometheus counter equals the live totals', async () => {
    await fetch(`http://${server.address}/metrics`); // any scrape; compare against what Prometheus stored
    const r = await instantQuery(prom.url, 'sum(voipready_rtp_packets_received_total)');
    const stored = Number(r.data?.result[0]?.value?.[1]);
    const live = view.all.reduce((a, s) => a + s.packets, 0);
    // Prometheus lags by up to one scrape (1 s = 4 ticks of 2 x 50 packets)
    expect(stored).toBeGreaterThan(0);
    expect(live - stored).toBeGreaterThanOrEqual(0);
    expect(live - stored).toBeLessThanOrEqual(5 * 100);
    expect(stored % 50).toBe(0);
  });

  it('promtool check metrics accepts the Prometheus text exposition', async () => {
    const text = await (await fetch(`http://${server.address}/metrics`)).text();
    expect(execFileSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
  });
});

describe.skipIf(!havePrometheus)('OpenMetrics backfill through promtool into Prometheus', () => {
  it('a query over the backfilled block returns the capture\'s values at the capture\'s time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-backfill-'));
    let prom: RunningPrometheus | undefined;
    try {
      const path = join(dir, 'out.om');
      const w = createOpenMetricsWriter(path, fakeSettings());
      const view = new FakeView();
      // a "capture from last week", in whole seconds
      const t0 = Math.floor(Date.now() / 1000) - 7 * 86400;
      view.now = t0 * 1000;
      const streams = [view.add(stream('s1')), view.add(stream('s2', { dst: '198.51.100.1:14000' }))];
      for (const s of streams) w.listener.onStream?.(s, 'start');
      for (let n = 0; n < 30; n++) {
        tick(view, streams, n);
        w.listener.onSecond?.(Math.floor(view.now / 1000), view);
      }
      w.listener.onEnd?.(view.report(), view);
      await w.close();
      execFileSync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', path, join(dir, 'data')], { encoding: 'utf8' });
      prom = await startPrometheus({ dataDir: join(dir, 'data') });
      const at = t0 + 30;
      const received = await instantQuery(prom.url, 'sum(voipready_rtp_packets_received_total)', at);
      expect(Number(received.data?.result[0]?.value?.[1])).toBe(view.report().streams.reduce((a, s) => a + s.packets, 0));
      const lost = await instantQuery(prom.url, 'sum by (peer) (voipready_rtp_packets_lost_total)', at);
      const byPeer = Object.fromEntries((lost.data?.result ?? []).map((r) => [r.metric.peer, Number(r.value?.[1])]));
      expect(byPeer).toEqual({ carrier: streams[0]?.lost, other: streams[1]?.lost });
      const limit = await instantQuery(prom.url, 'voipready_threshold_jitter_seconds', at);
      expect(limit.data?.result[0]?.value?.[1]).toBe('0.02');
    } finally {
      await prom?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
