/**
 * Reads a prom-client Registry into one snapshot: every series' value at one timestamp.
 * Counters, gauges, histograms (_bucket/_sum/_count) and summaries (quantiles/_sum/_count) all
 * arrive from getMetricsAsJSON() as flat values; external labels are added to each series unless
 * the series already has a label of that name (Prometheus' own rule for external labels).
 */
import type { Registry } from 'prom-client';
import type { Label } from './proto.js';
import { normaliseLabels, type SeriesTable } from './series-table.js';
import { readRegistrySync, type CollectCache } from './snapshot-sync.js';

export { CollectCache, readRegistrySync } from './snapshot-sync.js';

/** the snapshot now when every metric can be read synchronously (the usual case), else when it settles */
export function readRegistry(
  registry: Registry,
  externalLabels: Readonly<Record<string, string>>,
  table: SeriesTable,
  timestampMs: number,
  seq: number,
  cache?: CollectCache,
): Snapshot | Promise<Snapshot> {
  return readRegistrySync(registry, externalLabels, table, timestampMs, seq, cache) ?? readRegistryAsync(registry, externalLabels, table, timestampMs, seq);
}

export interface Snapshot {
  /** monotonic sequence number, also the record key in the disk queue */
  seq: number;
  /** ms since the epoch; every sample of the snapshot carries it */
  timestampMs: number;
  ids: Uint32Array;
  values: Float64Array;
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * Reads the registry *now*: the caller (a synchronous file reader's onSecond) goes on changing the
 * values before any promise settles. Each metric's get() is called synchronously here, which runs
 * collect() and lets snapshot-style metrics (outputs/prometheus families) copy their values at once.
 * prom-client's own Counter/Gauge hand back their live value objects, so their current numbers are
 * copied synchronously from those objects too (prom-client 15 keeps them in `hashMap`); a metric
 * whose collect() is itself asynchronous is read when it settles (nothing of ours does that).
 */
export function readRegistryAsync(
  registry: Registry,
  externalLabels: Readonly<Record<string, string>>,
  table: SeriesTable,
  timestampMs: number,
  seq: number,
): Promise<Snapshot> {
  const frozen = new Map<object, number>();
  const pending = registry.getMetricsAsArray().map((metric) => {
    const result = (metric as unknown as { get(): Promise<MetricJson> }).get();
    const live = (metric as unknown as { hashMap?: Record<string, { value?: unknown }> }).hashMap;
    if (live !== undefined && typeof live === 'object') {
      for (const v of Object.values(live)) {
        if (typeof v?.value === 'number') frozen.set(v, v.value);
      }
    }
    return result;
  });
  return Promise.all(pending).then((metrics) => toSnapshot(metrics, frozen, externalLabels, table, timestampMs, seq));
}

interface MetricJson {
  name: string;
  values?: MetricValue[];
}

function toSnapshot(
  metrics: MetricJson[],
  frozen: Map<object, number>,
  externalLabels: Readonly<Record<string, string>>,
  table: SeriesTable,
  timestampMs: number,
  seq: number,
): Snapshot {
  const ids: number[] = [];
  const values: number[] = [];
  const external = Object.entries(externalLabels);
  for (const metric of metrics) {
    for (const v of metric.values ?? []) {
      const labels: Label[] = [{ name: '__name__', value: v.metricName ?? metric.name }];
      for (const [name, value] of Object.entries(v.labels ?? {})) labels.push({ name, value: String(value) });
      for (const [name, value] of external) {
        if (!(name in (v.labels ?? {}))) labels.push({ name, value });
      }
      ids.push(table.intern(normaliseLabels(labels)));
      values.push(frozen.get(v) ?? v.value);
    }
  }
  return { seq, timestampMs, ids: Uint32Array.from(ids), values: Float64Array.from(values) };
}
