/**
 * Metrics filled in collect() (process/Node default metrics, the writer's own gauges) are read by
 * the synchronous snapshot only once their last read is maxAgeMs old (wall clock), their values
 * repeated in between; the analysis' own metrics are read at every snapshot.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SeriesTable } from '../../../../src/outputs/remote-write/series-table.js';
import { CollectCache, readRegistrySync } from '../../../../src/outputs/remote-write/snapshot-sync.js';

describe('CollectCache', () => {
  it('reads a collect() metric once per maxAgeMs and the other metrics at every snapshot', () => {
    const reg = new Registry();
    let collects = 0;
    new Gauge({ name: 'process_thing', help: 'h', registers: [reg], collect() { this.set(++collects); } });
    const packets = new Counter({ name: 'voipready_packets_total', help: 'h', registers: [reg] });
    let wall = 0;
    const cache = new CollectCache(1000, () => wall);
    const table = new SeriesTable();
    const read = (sec: number): number[] => {
      packets.inc();
      const s = readRegistrySync(reg, {}, table, sec * 1000, sec, cache);
      expect(s).not.toBeNull();
      return [...(s?.values ?? [])];
    };
    // three capture seconds within one wall second (replay --speed max), then a second later
    expect([read(1), read(2), read(3)]).toEqual([[1, 1], [1, 2], [1, 3]]);
    wall = 1000;
    expect(read(4)).toEqual([2, 4]);
    expect(collects).toBe(2);
  });

  it('forgets its reads on clear() (the series table they refer to was cleared)', () => {
    const reg = new Registry();
    let collects = 0;
    new Gauge({ name: 'process_thing', help: 'h', registers: [reg], collect() { this.set(++collects); } });
    const cache = new CollectCache(1000, () => 0);
    const table = new SeriesTable();
    readRegistrySync(reg, {}, table, 1000, 0, cache);
    table.clear();
    cache.clear();
    const s = readRegistrySync(reg, {}, table, 2000, 1, cache);
    expect(collects).toBe(2);
    expect(table.labels(s?.ids[0] ?? -1)).toEqual([{ name: '__name__', value: 'process_thing' }]);
  });
});
