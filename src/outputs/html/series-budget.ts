/**
 * Keeps the embedded chart data bounded whatever the capture: the core already keeps bounded
 * per-interval series per stream; here the report shares a fixed point budget among its streams
 * (more streams -> fewer points each) by merging neighbouring buckets. Only the chart data is
 * merged; every number in the tables comes from the stream's own fields.
 */
import type { StreamSeries } from '../../model/report.js';

/** points (buckets) for all streams together: about 13 bytes each in the embedded chart data */
export const TOTAL_POINT_BUDGET = 15_000;
export const MAX_POINTS_PER_STREAM = 600;
export const MIN_POINTS_PER_STREAM = 15;

export function pointsPerStream(streamCount: number): number {
  if (streamCount <= 0) return MAX_POINTS_PER_STREAM;
  const share = Math.floor(TOTAL_POINT_BUDGET / streamCount);
  return Math.max(MIN_POINTS_PER_STREAM, Math.min(MAX_POINTS_PER_STREAM, share));
}

/**
 * Merges groups of `factor` buckets so at most `maxPoints` remain: packets and lost add up,
 * max delta is the max, jitter is the value at the end of the last bucket of the group (the
 * series holds jitter at bucket end). No rounding here: chart-data.ts quantises what it embeds.
 */
export function downsampleSeries(s: StreamSeries, maxPoints: number): StreamSeries {
  const n = Math.min(s.packets.length, s.lost.length, s.jitterMs.length, s.maxDeltaMs.length);
  const factor = n > maxPoints ? Math.ceil(n / Math.max(1, maxPoints)) : 1;
  const out: StreamSeries = { intervalSeconds: s.intervalSeconds * factor, start: s.start, packets: [], lost: [], jitterMs: [], maxDeltaMs: [] };
  for (let i = 0; i < n; i += factor) {
    const end = Math.min(n, i + factor);
    let packets = 0;
    let lost = 0;
    let maxDelta = 0;
    for (let j = i; j < end; j++) {
      packets += s.packets[j] ?? 0;
      lost += s.lost[j] ?? 0;
      maxDelta = Math.max(maxDelta, s.maxDeltaMs[j] ?? 0);
    }
    out.packets.push(packets);
    out.lost.push(lost);
    out.jitterMs.push(s.jitterMs[end - 1] ?? 0);
    out.maxDeltaMs.push(maxDelta);
  }
  return out;
}
