/**
 * Metric families as a file for node_exporter's textfile collector: Prometheus text format 0.0.4,
 * HELP and TYPE per family, label values escaped (backslash, double quote, line feed), no
 * timestamps (the collector rejects them) and no `# EOF` (that is OpenMetrics). Pure.
 */
import { renderPrometheusText } from './exposition.js';
import type { Family } from './family.js';

export function renderTextfile(families: readonly Family[]): string {
  return families.map((f) => renderPrometheusText(f.snapshot())).join('');
}

/** the collector reads only `*.prom` files of its directory: any other name would be silently ignored */
export function isTextfileName(path: string): boolean {
  return /[^/\\]\.prom$/.test(path);
}
