/**
 * A small synchronous metric store. Why not prom-client's own Counter/Histogram: their `get()` is
 * async, and the OpenMetrics backfill writer must snapshot the values at each capture second while
 * the (synchronous) file reader is still pushing packets, before any microtask runs. So the values
 * live here, readable synchronously, and prom-client only formats them (see prom-bridge.ts).
 *
 * The snapshot shape is prom-client's `MetricObjectWithValues`, so the bridge passes it through.
 */

export type LabelValues = Record<string, string>;
export type FamilyType = 'counter' | 'gauge' | 'histogram';

export interface Sample {
  /** for histograms: name_bucket / name_sum / name_count; otherwise the family name */
  metricName?: string;
  labels: LabelValues;
  value: number;
  /** the labels already rendered (`k="v",...`, escaped), cached by whoever builds many samples per scrape */
  labelText?: string;
}

export interface FamilySnapshot {
  name: string;
  help: string;
  type: FamilyType;
  values: Sample[];
  aggregator: 'sum';
}

export interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: FamilyType;
  snapshot(): FamilySnapshot;
}

/** A stable key for one label set: values in the family's label-name order (names are fixed per family). */
export function labelKey(labels: LabelValues, names: readonly string[]): string {
  let key = '';
  for (const n of names) key += `${labels[n] ?? ''}\u0000`;
  return key;
}

/** A monotonic counter per label set. Names end in `_total` (Prometheus text format). */
export class CounterFamily implements Family {
  readonly type = 'counter' as const;
  private readonly series = new Map<string, { labels: LabelValues; value: number }>();
  constructor(readonly name: string, readonly help: string, private readonly labelNames: readonly string[]) {}

  /** negative or non-finite increments are ignored: a counter never goes down */
  inc(labels: LabelValues, by = 1): void {
    if (!(by >= 0) || !Number.isFinite(by)) return;
    const key = labelKey(labels, this.labelNames);
    const s = this.series.get(key);
    if (s === undefined) this.series.set(key, { labels: { ...labels }, value: by });
    else s.value += by;
  }

  /** creates the series at 0 so rate() and dashboards see it before the first event */
  zero(labels: LabelValues): void {
    this.inc(labels, 0);
  }

  get(labels: LabelValues): number {
    return this.series.get(labelKey(labels, this.labelNames))?.value ?? 0;
  }

  snapshot(): FamilySnapshot {
    const values: Sample[] = [];
    for (const s of this.series.values()) values.push({ labels: s.labels, value: s.value });
    return { name: this.name, help: this.help, type: 'counter', values, aggregator: 'sum' };
  }
}

/** A gauge whose samples are computed when read (values computed on scrape). */
export class ComputedGaugeFamily implements Family {
  readonly type = 'gauge' as const;
  constructor(readonly name: string, readonly help: string, private readonly compute: () => Sample[]) {}

  snapshot(): FamilySnapshot {
    return { name: this.name, help: this.help, type: 'gauge', values: this.compute(), aggregator: 'sum' };
  }
}

interface HistogramSeries {
  labels: LabelValues;
  /** non-cumulative counts per bucket; the last slot is +Inf */
  counts: number[];
  sum: number;
  count: number;
}

/** A classic cumulative histogram with fixed buckets (upper bounds in base units). */
export class HistogramFamily implements Family {
  readonly type = 'histogram' as const;
  private readonly series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {}

  /** count observations of value (count > 1: samples already aggregated elsewhere, e.g. a delay distribution) */
  observe(labels: LabelValues, value: number, count = 1): void {
    if (!Number.isFinite(value) || !(count > 0)) return;
    const s = this.get(labels);
    let i = 0;
    while (i < this.buckets.length && value > (this.buckets[i] as number)) i++;
    s.counts[i] = (s.counts[i] as number) + count;
    s.sum += value * count;
    s.count += count;
  }

  zero(labels: LabelValues): void {
    this.get(labels);
  }

  private get(labels: LabelValues): HistogramSeries {
    const key = labelKey(labels, this.labelNames);
    let s = this.series.get(key);
    if (s === undefined) {
      s = { labels: { ...labels }, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    return s;
  }

  snapshot(): FamilySnapshot {
    const values: Sample[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.buckets.length; i++) {
        cumulative += s.counts[i] as number;
        const le = i < this.buckets.length ? String(this.buckets[i]) : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
