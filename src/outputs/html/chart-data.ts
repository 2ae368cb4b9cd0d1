/**
 * What the report embeds for its charts: not the whole model (every number of the tables is
 * already in the markup, and `--json` has the full model) but one compact, columnar object with
 * what the browser script draws: the two limits drawn as lines, and per stream its series after
 * the shared point budget (series-budget.ts), jitter and delta quantised to chart resolution.
 * This keeps a million-packet, 1000-stream report well under 2 MB. The object is still plain,
 * self-describing JSON (`columns` names each position) so a reader can pick it up.
 */
import type { AnalysisReport, StreamReport } from '../../model/report.js';
import { downsampleSeries, pointsPerStream } from './series-budget.js';

export const CHART_DATA_FORMAT = 'voipready-charts/1';
/** ms resolution of the embedded series: 0.01 ms jitter, 0.1 ms delta (a chart is 170 px high) */
export const JITTER_DECIMALS = 2;
export const DELTA_DECIMALS = 1;

export const CHART_COLUMNS = ['start', 'intervalSeconds', 'longestLossBurst', 'packets', 'lost', 'jitterMs', 'maxDeltaMs'] as const;

/** one stream, in CHART_COLUMNS order: epoch s of bucket 0, bucket width s, longest burst, then per bucket */
export type ChartRow = [number, number, number, number[], number[], number[], number[]];

export interface ChartData {
  format: typeof CHART_DATA_FORMAT;
  limits: { jitterMs: number; lossPercent: number };
  columns: typeof CHART_COLUMNS;
  /** by stream id; streams without a series are absent */
  streams: Record<string, ChartRow>;
}

export function chartData(report: AnalysisReport): ChartData {
  const budget = pointsPerStream(report.streams.length);
  const streams: Record<string, ChartRow> = {};
  for (const s of report.streams) {
    const row = chartRow(s, budget);
    if (row !== null) streams[s.id] = row;
  }
  return {
    format: CHART_DATA_FORMAT,
    limits: { jitterMs: report.thresholds.jitterMs, lossPercent: report.thresholds.lossPercent },
    columns: CHART_COLUMNS,
    streams,
  };
}

/**
 * a stream worth charting: its packets fall into at least MIN_CHART_BUCKETS intervals. A 10-packet
 * DTMF burst or a stray packet fills one interval, which draws as an empty frame (a line needs two
 * points), so such a stream gets a sentence instead of three empty charts.
 */
export const MIN_CHART_BUCKETS = 2;

export function hasCharts(s: StreamReport): boolean {
  if (s.series === undefined) return false;
  let filled = 0;
  for (const p of s.series.packets) if (p > 0 && ++filled >= MIN_CHART_BUCKETS) return true;
  return false;
}

function chartRow(s: StreamReport, budget: number): ChartRow | null {
  if (s.series === undefined || !hasCharts(s)) return null;
  const d = downsampleSeries(s.series, budget);
  return [d.start, d.intervalSeconds, s.longestLossBurst, d.packets, d.lost, d.jitterMs.map((v) => round(v, JITTER_DECIMALS)), d.maxDeltaMs.map((v) => round(v, DELTA_DECIMALS))];
}

export function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  // + 0 turns -0 into 0 (JSON would print it as 0 anyway)
  return Math.round(v * f) / f + 0;
}
