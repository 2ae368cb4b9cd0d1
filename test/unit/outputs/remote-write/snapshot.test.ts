import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { snapshotsToSeries } from '../../../../src/outputs/remote-write/batch.js';
import { SeriesTable } from '../../../../src/outputs/remote-write/series-table.js';
import { readRegistryAsync as readRegistry, readRegistryAsync, readRegistrySync } from '../../../../src/outputs/remote-write/snapshot.js';

function registry(): { reg: Registry; c: Counter<'dir'>; g: Gauge; h: Histogram } {
  const reg = new Registry();
  const c = new Counter({ name: 'voipready_rtp_packets_total', help: 'h', labelNames: ['dir'], registers: [reg] });
  const g = new Gauge({ name: 'voipready_streams_active', help: 'h', registers: [reg] });
  const h = new Histogram({ name: 'voipready_jitter_seconds', help: 'h', buckets: [0.01, 0.02], registers: [reg] });
  return { reg, c, g, h };
}

describe('readRegistry', () => {
  it('takes every series with sorted labels, external labels added, series labels winning', async () => {
    const { reg, c, g, h } = registry();
    c.inc({ dir: 'in' }, 5);
    g.set(2);
    h.observe(0.015);
    const table = new SeriesTable();
    const s = await readRegistry(reg, { site: 'hq', dir: 'EXTERNAL' }, table, 5000, 7);
    const series = snapshotsToSeries([s], table);
    const byKey = new Map(series.map((ts) => [ts.labels.map((l) => `${l.name}=${l.value}`).join(','), ts.samples]));
    expect(byKey.get('__name__=voipready_rtp_packets_total,dir=in,site=hq')).toEqual([{ value: 5, timestamp: 5000 }]);
    expect(byKey.get('__name__=voipready_streams_active,dir=EXTERNAL,site=hq')).toEqual([{ value: 2, timestamp: 5000 }]);
    expect(byKey.get('__name__=voipready_jitter_seconds_bucket,dir=EXTERNAL,le=0.01,site=hq')?.[0]?.value).toBe(0);
    expect(byKey.get('__name__=voipready_jitter_seconds_bucket,dir=EXTERNAL,le=0.02,site=hq')?.[0]?.value).toBe(1);
    expect(byKey.get('__name__=voipready_jitter_seconds_bucket,dir=EXTERNAL,le=+Inf,site=hq')?.[0]?.value).toBe(1);
    expect(byKey.get('__name__=voipready_jitter_seconds_count,dir=EXTERNAL,site=hq')?.[0]?.value).toBe(1);
    expect(byKey.get('__name__=voipready_jitter_seconds_sum,dir=EXTERNAL,site=hq')?.[0]?.value).toBeCloseTo(0.015);
    expect(s.seq).toBe(7);
    for (const ts of series) {
      const names = ts.labels.map((l) => l.name);
      expect(names).toEqual([...names].sort());
    }
  });

  it('captures values at the moment of the call, and one series gathers samples in time order', async () => {
    const { reg, c } = registry();
    const table = new SeriesTable();
    c.inc({ dir: 'in' }, 1);
    const p1 = readRegistry(reg, {}, table, 1000, 0);
    c.inc({ dir: 'in' }, 1);
    const p2 = readRegistry(reg, {}, table, 2000, 1);
    const series = snapshotsToSeries([await p1, await p2], table);
    const rtp = series.find((ts) => ts.labels[0]?.value === 'voipready_rtp_packets_total');
    expect(rtp?.samples).toEqual([{ value: 1, timestamp: 1000 }, { value: 2, timestamp: 2000 }]);
    expect(table.size).toBe(series.length);
  });
});

describe('readRegistrySync', () => {
  it('gives the same series and values as the asynchronous get() path', async () => {
    const { reg, c, g, h } = registry();
    c.inc({ dir: 'in' }, 3);
    c.inc({ dir: 'out' }, 4);
    g.set(7);
    for (const v of [0.005, 0.015, 0.5]) h.observe(v);
    new Gauge({ name: 'voipready_collected', help: 'h', registers: [reg], collect() { this.set(42); } });
    const t1 = new SeriesTable();
    const t2 = new SeriesTable();
    const sync = readRegistrySync(reg, { site: 'hq' }, t1, 1000, 0);
    const asyn = await readRegistryAsync(reg, { site: 'hq' }, t2, 1000, 0);
    expect(sync).not.toBeNull();
    const canon = (t: SeriesTable, s: NonNullable<typeof sync>) => snapshotsToSeries([s], t).map((ts) => JSON.stringify(ts)).sort();
    expect(canon(t1, sync as NonNullable<typeof sync>)).toEqual(canon(t2, asyn));
    expect(canon(t1, sync as NonNullable<typeof sync>).join()).toContain('voipready_collected');
  });

  it('reads at the moment of the call without yielding, and reuses ids second after second', () => {
    const { reg, c } = registry();
    const table = new SeriesTable();
    c.inc({ dir: 'in' }, 1);
    const a = readRegistrySync(reg, {}, table, 1000, 0);
    c.inc({ dir: 'in' }, 1);
    const b = readRegistrySync(reg, {}, table, 2000, 1);
    const rtp = snapshotsToSeries([a, b].map((s) => s as NonNullable<typeof s>), table).find((ts) => ts.labels[0]?.value === 'voipready_rtp_packets_total');
    expect(rtp?.samples).toEqual([{ value: 1, timestamp: 1000 }, { value: 2, timestamp: 2000 }]);
    expect(Array.from(a?.ids ?? [])).toEqual(Array.from(b?.ids ?? []));
  });

  it('uses getSync() where a metric offers it, and falls back (null) for a metric it cannot read synchronously', () => {
    const reg = new Registry();
    const family = { name: 'voipready_family_total', help: 'h', type: 'counter', aggregator: 'sum', reset: () => undefined,
      get: async () => ({ name: 'voipready_family_total', values: [] }),
      getSync: () => ({ name: 'voipready_family_total', values: [{ labels: { peer: 'a' }, value: 9 }] }) };
    reg.registerMetric(family as unknown as Parameters<Registry['registerMetric']>[0]);
    const table = new SeriesTable();
    const s = readRegistrySync(reg, { site: 'x' }, table, 1000, 0);
    expect(snapshotsToSeries([s as NonNullable<typeof s>], table)).toEqual([{
      labels: [{ name: '__name__', value: 'voipready_family_total' }, { name: 'peer', value: 'a' }, { name: 'site', value: 'x' }],
      samples: [{ value: 9, timestamp: 1000 }],
    }]);
    const asyncOnly = { ...family, name: 'voipready_async_only', getSync: undefined };
    reg.registerMetric(asyncOnly as unknown as Parameters<Registry['registerMetric']>[0]);
    expect(readRegistrySync(reg, {}, table, 2000, 1)).toBeNull();
  });
});
