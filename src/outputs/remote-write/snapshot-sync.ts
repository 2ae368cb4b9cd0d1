/**
 * The synchronous registry read, for the replay path: a synchronous capture reader calls onSecond
 * from inside its loop, so a snapshot that waited for a promise would only be taken after the
 * whole file (wrong values, and unbounded memory meanwhile). Reads, without a promise:
 *   - metrics offering `getSync()` (same shape as get()'s result: outputs/prometheus can add it),
 *   - prom-client 15 Counter/Gauge/Histogram, from their `hashMap` after a synchronous collect().
 * Returns null when any metric can only be read asynchronously; the caller falls back to get().
 *
 * The per-second cost is one WeakMap + Map lookup per series: label sets are interned once per
 * labels object that the metric keeps from second to second.
 */
import type { Registry } from 'prom-client';
import type { Label } from './proto.js';
import { normaliseLabels, type SeriesTable } from './series-table.js';
import type { Snapshot } from './snapshot.js';

type Labels = Record<string, string | number>;

interface PromInternals {
  name: string;
  type?: string;
  collect?: () => unknown;
  getSync?: () => { name: string; values: Array<{ labels?: Labels; value: number; metricName?: string }> };
  hashMap?: Record<string, { labels?: Labels; value?: number; bucketValues?: Record<string, number>; sum?: number; count?: number }>;
  upperBounds?: number[];
}

class Collector {
  readonly ids: number[] = [];
  readonly values: number[] = [];
  constructor(private readonly table: SeriesTable, private readonly external: Array<[string, string]>) {}

  add(labels: Labels, name: string, value: number, le?: string): void {
    const key = le === undefined ? name : `${name}\u0000${le}`;
    let id = this.table.cached(labels, key);
    if (id === undefined) {
      const list: Label[] = [{ name: '__name__', value: name }];
      for (const [k, v] of Object.entries(labels)) list.push({ name: k, value: String(v) });
      if (le !== undefined) list.push({ name: 'le', value: le });
      for (const [k, v] of this.external) {
        if (!(k in labels)) list.push({ name: k, value: v });
      }
      id = this.table.intern(normaliseLabels(list));
      this.table.remember(labels, key, id);
    }
    this.ids.push(id);
    this.values.push(value);
  }
}

const NO_LABELS: Labels = {};

export function readRegistrySync(
  registry: Registry,
  externalLabels: Readonly<Record<string, string>>,
  table: SeriesTable,
  timestampMs: number,
  seq: number,
): Snapshot | null {
  const c = new Collector(table, Object.entries(externalLabels));
  for (const metric of registry.getMetricsAsArray() as unknown as PromInternals[]) {
    if (!readOne(metric, c)) return null;
  }
  return { seq, timestampMs, ids: Uint32Array.from(c.ids), values: Float64Array.from(c.values) };
}

function readOne(m: PromInternals, c: Collector): boolean {
  if (typeof m.getSync === 'function') {
    const json = m.getSync();
    for (const v of json.values) c.add(v.labels ?? NO_LABELS, v.metricName ?? json.name, v.value);
    return true;
  }
  if (m.hashMap === undefined || (m.type !== 'counter' && m.type !== 'gauge' && m.type !== 'histogram')) return false;
  if (typeof m.collect === 'function' && m.collect() instanceof Promise) return false;
  for (const v of Object.values(m.hashMap)) {
    const labels = v.labels ?? NO_LABELS;
    if (m.type !== 'histogram') {
      c.add(labels, m.name, v.value ?? 0);
      continue;
    }
    // prom-client keeps per-bucket counts; the exposition's buckets are cumulative
    let acc = 0;
    for (const bound of m.upperBounds ?? []) {
      acc += v.bucketValues?.[bound] ?? 0;
      c.add(labels, `${m.name}_bucket`, acc, String(bound));
    }
    c.add(labels, `${m.name}_bucket`, v.count ?? 0, '+Inf');
    c.add(labels, `${m.name}_sum`, v.sum ?? 0);
    c.add(labels, `${m.name}_count`, v.count ?? 0);
  }
  return true;
}
