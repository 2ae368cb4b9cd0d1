/**
 * `--json`: one stable object (fields documented in the README). Per-stream series are in the
 * in-memory model for the HTML report; they go into the JSON only when asked (--series).
 */
import type { AnalysisReport } from '../model/report.js';

export function toJson(report: AnalysisReport, opts: { series: boolean }): string {
  if (opts.series) return JSON.stringify(report, null, 2);
  const streams = report.streams.map(({ series: _series, ...rest }) => rest);
  return JSON.stringify({ ...report, streams }, null, 2);
}

/**
 * `--json` for an input that could not be read at all: an error is not a verdict, so the object
 * carries the error (code, message naming file and offset, exit code) and the input summary, and
 * no verdict, summary or findings.
 */
export function errorJson(report: AnalysisReport, exit: number): string {
  return JSON.stringify({ error: { ...report.input.error, exit }, input: report.input }, null, 2);
}
