/**
 * Registers our synchronous families in a prom-client Registry, so one registry holds them next
 * to prom-client's process/Node default metrics. prom-client accepts any object with
 * name/help/type/get()/reset(); our `get()` returns the family's snapshot.
 *
 * renderRegistry() is the scrape path: our families are rendered directly (per-stream samples
 * carry pre-rendered label text), the rest through prom-client. prom-client's generic formatter
 * spreads and escapes every label set on every scrape, which costs ~4x our 50 ms budget at
 * 10,000 streams (test/bench/scrape.bench.mjs).
 */
import type { Registry } from 'prom-client';
import type { MetricJson } from './exposition.js';
import { familyHeader, renderPrometheusText, sampleLine } from './exposition.js';
import type { Family } from './family.js';

const BRIDGED = new WeakMap<object, Family>();

export function registerFamily(registry: Registry, family: Family): void {
  const metric = {
    // prom-client renames counters in place when a registry is in OpenMetrics mode; our name is fixed
    get name(): string {
      return family.name;
    },
    set name(_ignored: string) {
      /* keep the Prometheus name; OpenMetrics rendering is ours (exposition.ts) */
    },
    help: family.help,
    type: family.type,
    aggregator: 'sum',
    get: async () => family.snapshot(),
    // read synchronously by remote_write while a file is being read (an await would come too late)
    getSync: () => family.snapshot(),
    reset: () => undefined,
  };
  BRIDGED.set(metric, family);
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** the whole registry in Prometheus text format 0.0.4, or OpenMetrics 1.0 (ending in `# EOF`) */
export async function renderRegistry(registry: Registry, openMetrics: boolean): Promise<string> {
  const parts: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    const family = BRIDGED.get(metric);
    if (family !== undefined) {
      parts.push(openMetrics ? renderOpenMetricsFamily(family) : renderPrometheusText(family.snapshot()));
    } else if (openMetrics) {
      const json = (await (metric as unknown as { get(): Promise<MetricJson> }).get());
      let text = familyHeader(json);
      for (const s of json.values) text += sampleLine(json, s);
      parts.push(text);
    } else {
      parts.push(`${await registry.getSingleMetricAsString(metric.name)}\n`);
    }
  }
  return openMetrics ? `${parts.join('')}# EOF\n` : parts.join('');
}

function renderOpenMetricsFamily(family: Family): string {
  const snap = family.snapshot();
  let text = familyHeader(snap);
  for (const s of snap.values) text += sampleLine(snap, s);
  return text;
}
