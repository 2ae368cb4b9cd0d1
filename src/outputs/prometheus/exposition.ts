/**
 * OpenMetrics 1.0 text rendering, shared by `/metrics` (when the scraper asks for it) and the
 * backfill file. We render it ourselves rather than switching prom-client's registry content type,
 * because prom-client renames counters in place in that mode and one registry serves both formats.
 *
 * Rules (OpenMetrics 1.0, "Text format"): a counter family is named without `_total` and its
 * sample is `<family>_total`; HELP and label values escape backslash, double quote and line feed;
 * the exposition ends with `# EOF`; a sample may carry a timestamp in seconds after its value.
 */
import type { FamilySnapshot, Sample } from './family.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** the subset of prom-client's JSON we read (its default metrics have the same shape as ours) */
export interface MetricJson {
  name: string;
  help: string;
  type: string;
  values: Array<{ metricName?: string; labels: Record<string, string | number>; value: number }>;
}

export function escapeOpenMetrics(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** the family name OpenMetrics wants for a metric: counters lose their `_total` */
export function familyName(m: Pick<MetricJson, 'name' | 'type'>): string {
  return m.type === 'counter' ? m.name.replace(/_total$/, '') : m.name;
}

export function familyHeader(m: Pick<MetricJson, 'name' | 'type' | 'help'>): string {
  const name = familyName(m);
  const type = ['counter', 'gauge', 'histogram', 'summary'].includes(m.type) ? m.type : 'unknown';
  return `# TYPE ${name} ${type}\n# HELP ${name} ${escapeOpenMetrics(m.help)}\n`;
}

/** one sample line; `timestampSec` is appended when given (backfill) */
export function sampleLine(m: Pick<MetricJson, 'name' | 'type'>, s: MetricJson['values'][number] | Sample, timestampSec?: number): string {
  const name = m.type === 'counter' ? `${familyName(m)}_total` : (s.metricName ?? m.name);
  const labels = 'labelText' in s && s.labelText !== undefined ? s.labelText : renderLabels(s.labels);
  const ts = timestampSec === undefined ? '' : ` ${timestampSec}`;
  return `${name}${labels === '' ? '' : `{${labels}}`} ${formatValue(s.value)}${ts}\n`;
}

/** `k="v",...` with label values escaped (same rules in both text formats) */
export function renderLabels(labels: Record<string, string | number>): string {
  let out = '';
  for (const k in labels) out += `${out === '' ? '' : ','}${k}="${escapeOpenMetrics(String(labels[k]))}"`;
  return out;
}

/** Prometheus text format 0.0.4 of our own families (HELP escapes only backslash and line feed) */
export function renderPrometheusText(f: FamilySnapshot): string {
  let out = `# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${f.name} ${f.type}\n`;
  for (const s of f.values) {
    const labels = s.labelText ?? renderLabels(s.labels);
    out += `${s.metricName ?? f.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(s.value)}\n`;
  }
  return out;
}

/** a whole exposition: every family's header and samples together, then `# EOF` */
export function renderOpenMetrics(metrics: ReadonlyArray<MetricJson | FamilySnapshot>): string {
  let out = '';
  for (const m of metrics) {
    out += familyHeader(m);
    for (const s of m.values) out += sampleLine(m, s);
  }
  return `${out}# EOF\n`;
}
