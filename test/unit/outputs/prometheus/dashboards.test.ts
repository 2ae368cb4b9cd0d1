import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../src/outputs/prometheus/metrics.js';
import { createCaptureMetrics } from '../../../../src/outputs/prometheus/capture-metrics.js';
import { createHepMetrics } from '../../../../src/outputs/prometheus/hep-metrics.js';
import { registerHeldObjects, registerSourceHealth } from '../../../../src/outputs/prometheus/monitor-metrics.js';
import { reloadOnHup } from '../../../../src/cli/reload-on-hup.js';
import { createProxyMetrics } from '../../../../src/outputs/prometheus/proxy-metrics.js';
import type { ProxyCounters } from '../../../../src/proxy/sip/sip-proxy.js';
import type { TransportCounters } from '../../../../src/proxy/sip/transport.js';
import { dashboardQueries } from '../../../helpers/prometheus.js';
import { FakeView, fakeSettings } from './fake-view.js';
import { algCheckFamilies } from '../../../../src/outputs/prometheus/alg-check-metrics.js';
import { natCheckFamilies } from '../../../../src/outputs/prometheus/nat-check-metrics.js';
import { renderTextfile } from '../../../../src/outputs/prometheus/textfile.js';
import type { CheckResult } from '../../../../src/detect/alg-active/analyse.js';

/** what alg-check and nat-check write with --textfile (the "Active ALG check" row reads these), every optional series present */
function checkTextfiles(): string {
  const result: CheckResult = { exchanges: [], algPresent: true, outboundFields: ['Via'], inboundFields: [], fingerprint: null, verdict: 'SIP ALG present: rewrote Via (outbound)' };
  const nat = {
    local: '', mappings: [], mapped: { address: '198.51.100.1', port: 40000 }, natted: true, mappingBehaviour: 'endpoint-independent' as const,
    changePortAnswered: false, lifetime: { idleSeconds: 30, kept: true }, errors: [],
  };
  return renderTextfile([
    ...algCheckFamilies({ site: 'hq', server: 'echo:5060', transport: 'udp', result, durationSeconds: 1, endedAtMs: 0 }),
    ...natCheckFamilies({ site: 'hq', server: 'echo:3478', result: nat, durationSeconds: 1, endedAtMs: 0 }),
  ]);
}

const DIR = 'dashboards/grafana';
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
type Dash = { uid: string; templating: { list: Array<{ name: string; type: string; query: unknown }> }; panels: Array<{ id: number; title: string; datasource: { uid: string }; targets: Array<{ expr: string; datasource: { uid: string } }> }> };
const load = (f: string): Dash => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Dash;

describe('Grafana dashboards', () => {
  it('the committed JSON is what dashboards/generate.mjs produces', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e',
      "import { dashboards } from './dashboards/generate.mjs'; process.stdout.write(JSON.stringify(dashboards()));"], { encoding: 'utf8' });
    const generated = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(generated).sort()).toEqual(files);
    for (const f of files) expect(load(f)).toEqual(generated[f]);
  });

  it('have stable uids, a datasource variable and unique panel ids', () => {
    expect(files.map((f) => load(f).uid)).toEqual(['voipready-drilldown', 'voipready-overview']);
    for (const f of files) {
      const d = load(f);
      expect(d.templating.list.find((v) => v.name === 'datasource')?.type).toBe('datasource');
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of d.panels.filter((x) => (x as { type?: string }).type !== 'row')) {
        expect(p.datasource.uid).toBe('${datasource}');
        expect(p.targets.length).toBeGreaterThan(0);
        for (const t of p.targets) expect(t.datasource.uid).toBe('${datasource}');
      }
    }
  });

  it('query only metric names that /metrics exposes (panels and variables)', async () => {
    const m = createMetrics({ settings: fakeSettings() });
    m.attach(new FakeView());
    // the "Monitor health" row reads what monitor adds to the same registry
    createCaptureMetrics(m.registry, ['eth0']);
    createHepMetrics(m.registry, 10);
    registerSourceHealth(m.registry, () => [['hep', Date.now()]]);
    registerHeldObjects(m.registry, () => ({ streams: 1, calls: 1, records: 1, signalledEndpoints: 0 }));
    // and the "Proxy" row what proxy adds
    createProxyMetrics(m.registry, {
      sip: () => ({}) as ProxyCounters, transport: () => ({}) as TransportCounters,
      relay: () => ({ received: 0, forwarded: 0, strictDrops: 0, junkDrops: 0, noPeerDrops: 0, sendErrors: 0, portsInUse: 0, portsTotal: 0 }), upstreams: () => [],
    });
    const offHup = reloadOnHup(() => fakeSettings(), { reconfigure: () => undefined }, m.registry, 'test');
    offHup();
    const text = `${await m.registry.metrics()}\n${checkTextfiles()}`;
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap((x) => {
      const name = x[1] as string;
      return x[2] === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    }));
    const exprs = dashboardQueries(DIR).map((q) => q.expr);
    for (const f of files) for (const v of load(f).templating.list) if (typeof v.query === 'object') exprs.push((v.query as { query: string }).query);
    expect(exprs.length).toBeGreaterThan(15);
    const used = new Set(exprs.flatMap((e) => [...e.matchAll(/\bvoipready_[a-z0-9_]+/g)].map((x) => x[0])));
    for (const name of used) expect(exposed, name).toContain(name);
    // and no leftover Grafana variables after substitution
    for (const q of dashboardQueries(DIR)) expect(q.expr).not.toMatch(/\$/);
  });
});

describe('README metrics table', () => {
  it('documents every voipready metric family, and no other', async () => {
    const m = createMetrics({ settings: fakeSettings() });
    const names = m.snapshot(new FakeView()).map((f) => f.name).sort();
    const doc = readFileSync('README.md', 'utf8');
    const documented = [...doc.matchAll(/^\| `(voipready_[a-z0-9_]+)` \|/gm)].map((x) => x[1]).sort();
    expect(documented).toEqual(names);
  });
});
