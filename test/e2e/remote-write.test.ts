/**
 * remote_write into a real Prometheus (Debian's package): every series arrives with the external
 * labels, values equal to the registry's own /metrics text, timestamps as sampled; samples older
 * than Prometheus' head block are refused and the writer says what to do instead.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteWriter } from '../../src/outputs/remote-write/writer.js';
import { havePrometheus, PrometheusProcess } from './remote-write-prometheus.js';
import { parseExposition } from '../helpers/prometheus.js';


describe.skipIf(!havePrometheus)('remote_write into Prometheus (needs the prometheus binary)', () => {
  let prom: PrometheusProcess;
  beforeAll(async () => {
    prom = await PrometheusProcess.start();
  });
  afterAll(async () => {
    await prom?.close();
  });

  it('stores every series with site/instance labels and the values of /metrics, second by second', async () => {
    const registry = new Registry();
    const packets = new Counter({ name: 'voipready_e2e_packets_total', help: 'h', labelNames: ['dir'], registers: [registry] });
    const active = new Gauge({ name: 'voipready_e2e_streams_active', help: 'h', registers: [registry] });
    const jitter = new Histogram({ name: 'voipready_e2e_jitter_seconds', help: 'h', buckets: [0.01, 0.02, 0.05], registers: [registry] });
    const logs: string[] = [];
    const w = createRemoteWriter({
      targets: [{ url: prom.writeUrl }], registry, externalLabels: { site: 'e2e-site', instance: 'pbx1' }, pushIntervalSeconds: 0.2,
      stateDir: null, log: (l) => logs.push(l),
    });
    w.start();
    const t0 = Math.floor(Date.now() / 1000) - 40;
    for (let s = 1; s <= 30; s++) {
      packets.inc({ dir: 'in' }, 50);
      packets.inc({ dir: 'out' }, 49 + (s % 2));
      active.set(s % 4);
      jitter.observe(s / 1000);
      await w.sample((t0 + s) * 1000);
    }
    // the analysis' series (the writer's own gauges move on while it pushes, so they are checked by name only)
    const exposition = new Map([...parseExposition(await registry.metrics())].filter(([k]) => k.startsWith('voipready_e2e_')));
    await w.stop(5000);
    expect(logs).toEqual([]);

    const stored = await prom.raw('{site="e2e-site"}[5m]', t0 + 31);
    const byKey = new Map(stored.map((r) => {
      const { __name__: name, site, instance, ...rest } = r.labels;
      expect([site, instance]).toEqual(['e2e-site', 'pbx1']);
      const labels = Object.entries(rest).map(([k, v]) => `${k}=${v}`).sort();
      return [`${name}|${labels.join(',')}`, r.values];
    }));
    // every series of /metrics is stored, and its last stored value is the /metrics value
    expect(exposition.size).toBe(9); // 2 counters, 1 gauge, 4 buckets + sum + count
    for (const [key, value] of exposition) {
      const values = byKey.get(key);
      expect(values, key).toBeDefined();
      expect(values?.[values.length - 1]?.[1], key).toBe(value);
      expect(values?.length, key).toBe(30);
      expect(values?.map(([t]) => t), key).toEqual(Array.from({ length: 30 }, (_, i) => (t0 + i + 1) * 1000));
    }
    // the writer's own metrics travel with the rest
    expect(byKey.has('voipready_remote_write_samples_total|result=sent,target=' + prom.writeUrl)).toBe(true);
    // counters are continuous: 50 more each second
    expect(byKey.get('voipready_e2e_packets_total|dir=in')?.map(([, v]) => v)).toEqual(Array.from({ length: 30 }, (_, i) => 50 * (i + 1)));
  });

  it('says clearly that last week is too old for Prometheus, and points to the OpenMetrics backfill', async () => {
    const registry = new Registry();
    new Gauge({ name: 'voipready_e2e_old', help: 'h', registers: [registry] }).set(1);
    const logs: string[] = [];
    const w = createRemoteWriter({
      targets: [{ url: prom.writeUrl }], registry, externalLabels: { site: 'old' }, pushIntervalSeconds: 0.2, stateDir: null,
      log: (l) => logs.push(l), selfMetricsRegistry: new Registry(),
    });
    w.start();
    await w.sample(Date.now() - 7 * 86_400_000);
    await w.stop(5000);
    expect(w.stats.targets[0]).toMatchObject({ sent: 0, failed: 1, pending: 0 });
    const msg = logs.find((l) => l.includes('too old'));
    expect(msg).toMatch(/HTTP 400: .*out of bounds/);
    expect(msg).toMatch(/voipready analyze --openmetrics/);
    expect(msg).toMatch(/promtool tsdb create-blocks-from openmetrics/);
  });
});
