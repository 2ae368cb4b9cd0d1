/**
 * Snapshots -> the TimeSeries of one WriteRequest: one entry per series, its samples in timestamp
 * order (Prometheus rejects out-of-order samples within a series).
 */
import type { Sample, TimeSeries } from './proto.js';
import type { SeriesTable } from './series-table.js';
import type { Snapshot } from './snapshot.js';

export function snapshotsToSeries(snapshots: readonly Snapshot[], table: SeriesTable): TimeSeries[] {
  const bySeries = new Map<number, Sample[]>();
  for (const s of snapshots) {
    for (let i = 0; i < s.ids.length; i++) {
      const id = s.ids[i] as number;
      let samples = bySeries.get(id);
      if (samples === undefined) {
        samples = [];
        bySeries.set(id, samples);
      }
      samples.push({ value: s.values[i] as number, timestamp: s.timestampMs });
    }
  }
  const out: TimeSeries[] = [];
  for (const [id, samples] of bySeries) out.push({ labels: table.labels(id), samples });
  return out;
}

/** the inverse, for the disk queue: one decoded record (all samples share one timestamp) -> snapshot */
export function seriesToSnapshot(series: readonly TimeSeries[], table: SeriesTable, seq: number): Snapshot | null {
  const first = series[0]?.samples[0];
  if (first === undefined) return null;
  const ids = new Uint32Array(series.length);
  const values = new Float64Array(series.length);
  series.forEach((ts, i) => {
    ids[i] = table.intern(ts.labels);
    values[i] = ts.samples[0]?.value ?? Number.NaN;
  });
  return { seq, timestampMs: first.timestamp, ids, values };
}
