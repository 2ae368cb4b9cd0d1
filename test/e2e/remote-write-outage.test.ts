/**
 * The centre goes away for more than 30 s in the middle of a run: first frozen (SIGSTOP: requests
 * hang until the timeout), then killed and restarted on the same data directory. Afterwards the
 * central Prometheus holds every 1 s sample of the outage window, counters continuous, nothing
 * dropped. Real time by necessity (~45 s): the only long test of remote_write.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { createRemoteWriter } from '../../src/outputs/remote-write/writer.js';
import { havePrometheus, PrometheusProcess } from './remote-write-prometheus.js';

const SECONDS = 40;
const FREEZE_AT = 4;
const KILL_AT = 14;
const RESTART_AT = 36; // outage: seconds 4..36, > 30 s

describe.skipIf(!havePrometheus)('remote_write through a 32 s outage of Prometheus (needs the prometheus binary)', () => {
  let prom: PrometheusProcess | undefined;
  afterAll(async () => {
    prom?.signal('SIGCONT');
    await prom?.close();
  });

  it('loses no sample: no gap in the 1 s series, counters continuous, dropped 0', async () => {
    prom = await PrometheusProcess.start();
    const registry = new Registry();
    const packets = new Counter({ name: 'voipready_outage_packets_total', help: 'h', registers: [registry] });
    const second = new Gauge({ name: 'voipready_outage_second', help: 'h', registers: [registry] });
    const logs: string[] = [];
    const w = createRemoteWriter({
      targets: [{ url: prom.writeUrl, timeoutMs: 2000 }], registry, externalLabels: { site: 'outage' }, pushIntervalSeconds: 1,
      stateDir: null, log: (l) => logs.push(l), selfMetricsRegistry: new Registry(), minBackoffMs: 250, maxBackoffMs: 2000,
    });
    w.start();
    const start = Date.now();
    const base = Math.floor(start / 1000) * 1000;
    const stamps: number[] = [];
    for (let s = 1; s <= SECONDS; s++) {
      await new Promise((r) => setTimeout(r, Math.max(0, start + s * 1000 - Date.now())));
      if (s === FREEZE_AT) prom.signal('SIGSTOP');
      if (s === KILL_AT) await prom.kill();
      if (s === RESTART_AT) await prom.run();
      packets.inc(50);
      second.set(s);
      const ts = base + s * 1000; // one sample per second of (real) time, whatever the timer jitter
      stamps.push(ts);
      await w.sample(ts);
    }
    await w.stop(15_000);
    expect(w.stats.targets[0]).toMatchObject({ dropped: 0, failed: 0, pending: 0, failing: false });
    expect(logs.filter((l) => l.includes('pushing failed'))).toHaveLength(1);
    expect(logs.filter((l) => l.includes('recovered'))).toHaveLength(1);

    const [counter] = await prom.raw('voipready_outage_packets_total{site="outage"}[10m]', Date.now() / 1000);
    expect(counter?.values.map(([t]) => t)).toEqual(stamps);
    expect(stamps.every((t, i) => i === 0 || t - (stamps[i - 1] as number) === 1000)).toBe(true);
    expect(counter?.values.map(([, v]) => v)).toEqual(stamps.map((_, i) => 50 * (i + 1)));
    const [gauge] = await prom.raw('voipready_outage_second{site="outage"}[10m]', Date.now() / 1000);
    expect(gauge?.values.map(([, v]) => v)).toEqual(stamps.map((_, i) => i + 1));
  }, 90_000);
});
