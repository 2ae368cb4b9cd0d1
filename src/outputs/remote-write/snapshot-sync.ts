/**
 * The synchronous registry read, for the replay path: a synchronous capture reader calls onSecond
 * from inside its loop, so a snapshot that waited for a promise would only be taken after the
 * whole file (wrong values, and unbounded memory meanwhile). Reads, without a promise:
 *   - metrics offering `getSync()` (same shape as get()'s result: outputs/prometheus can add it),
 *   - prom-client 15 Counter/Gauge/Histogram, from their `hashMap` after a synchronous collect().
 * Returns null when any metric can only be read asynchronously; the caller falls back to get().
 *
 * The per-second cost is one WeakMap lookup per series: label sets are interned once per labels
 * object that the metric keeps from second to second; labels objects built afresh at each read
 * are recognised by their text (one string and one Map lookup, no sorting).
 *
 * Metrics that fill themselves in their own collect() (prom-client's process/Node default metrics,
 * the writer's own gauges) measure the process on the wall clock, not the capture, and their
 * collect() is what costs (cpuUsage, event-loop delay percentiles, /proc reads): with a
 * CollectCache they are read again only once their last read is 500 ms old (wall clock), their
 * last values repeated in between. At one sample per second (replay --speed 1, serve) that is
 * every sample; a replay at --speed max samples dozens of capture seconds per wall second, and
 * without the cache these reads were about 40 % of what pushing cost the analysis.
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
  private lastKey = '';
  private objects: WeakMap<object, number> | null = null;
  constructor(private readonly table: SeriesTable, private readonly external: Array<[string, string]>) {}

  add(labels: Labels, name: string, value: number, le?: string): void {
    const key = le === undefined ? name : `${name}\u0000${le}`;
    if (key !== this.lastKey || this.objects === null) {
      this.lastKey = key;
      this.objects = this.table.objectIds(key);
    }
    const id = this.objects.get(labels) ?? this.slowId(this.objects, labels, key, name, le);
    this.ids.push(id);
    this.values.push(value);
  }

  /**
   * A labels object not seen before: either a new series, or a metric that builds its labels afresh
   * at each read (histogram buckets, computed gauges), recognised by their text without sorting.
   */
  private slowId(objects: WeakMap<object, number>, labels: Labels, key: string, name: string, le: string | undefined): number {
    let raw = key;
    for (const k in labels) raw += `\u0001${k}\u0000${labels[k]}`;
    const known = this.table.rawId(raw);
    // a series seen before under another object: this one will be replaced by a new one next time
    if (known !== undefined) return known;
    const list: Label[] = [{ name: '__name__', value: name }];
    for (const [k, v] of Object.entries(labels)) list.push({ name: k, value: String(v) });
    if (le !== undefined) list.push({ name: 'le', value: le });
    for (const [k, v] of this.external) {
      if (!(k in labels)) list.push({ name: k, value: v });
    }
    const id = this.table.intern(normaliseLabels(list));
    this.table.rememberRaw(raw, id);
    objects.set(labels, id);
    return id;
  }
}

const NO_LABELS: Labels = {};

interface CachedRead {
  atMs: number;
  ids: number[];
  values: number[];
}

/** the last read of each collect()-filled metric, reused while younger than maxAgeMs (wall clock) */
export class CollectCache {
  private reads = new WeakMap<object, CachedRead>();

  constructor(
    readonly maxAgeMs = 500,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** the series ids refer to a SeriesTable: clear this whenever that table is cleared */
  clear(): void {
    this.reads = new WeakMap();
  }

  fresh(metric: object): CachedRead | undefined {
    const r = this.reads.get(metric);
    return r !== undefined && this.clock() - r.atMs < this.maxAgeMs ? r : undefined;
  }

  keep(metric: object, ids: number[], values: number[]): void {
    this.reads.set(metric, { atMs: this.clock(), ids, values });
  }
}

export function readRegistrySync(
  registry: Registry,
  externalLabels: Readonly<Record<string, string>>,
  table: SeriesTable,
  timestampMs: number,
  seq: number,
  cache?: CollectCache,
): Snapshot | null {
  const c = new Collector(table, Object.entries(externalLabels));
  for (const metric of registry.getMetricsAsArray() as unknown as PromInternals[]) {
    if (!readCached(metric, c, cache)) return null;
  }
  return { seq, timestampMs, ids: Uint32Array.from(c.ids), values: Float64Array.from(c.values) };
}

function readCached(m: PromInternals, c: Collector, cache: CollectCache | undefined): boolean {
  if (cache === undefined || typeof m.getSync === 'function' || typeof m.collect !== 'function') return readOne(m, c);
  const hit = cache.fresh(m);
  if (hit !== undefined) {
    for (let i = 0; i < hit.ids.length; i++) {
      c.ids.push(hit.ids[i] as number);
      c.values.push(hit.values[i] as number);
    }
    return true;
  }
  const from = c.ids.length;
  if (!readOne(m, c)) return false;
  cache.keep(m, c.ids.slice(from), c.values.slice(from));
  return true;
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
