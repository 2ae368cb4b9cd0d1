/**
 * The overview dashboard's "Monitor health" row against a real Prometheus scraping a running
 * `voipready monitor` with two live sources: HEP (SIP sent by this test as HEPv3 from two capture
 * agents) and an interface (the test's dumpcap stand-in, VOIPREADY_DUMPCAP, replaying a fixture).
 * Every query of the row returns data, and the figures are the monitor's: the last-packet age per
 * source is small while traffic flows, HEP packets per agent match what was sent, the configuration
 * is loaded. Needs prometheus and a built dist/.
 */
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHep3 } from '../../src/encode/hep.js';
import { ROOT } from '../helpers/cli.js';
import { startMonitor, type RunningMonitor } from '../helpers/monitor.js';
import { HEALTH_ROW, dashboardQueries, havePrometheus, instantQuery, startPrometheus, waitFor, type RunningPrometheus } from '../helpers/prometheus.js';

const FIXTURE = join(ROOT, 'fixtures', 'captures', 'sample-call.pcapng');
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
const missing = !havePrometheus ? 'prometheus not installed' : !BUILT ? 'dist/ not built (npm run build)' : null;
if (missing !== null) process.stderr.write(`monitor-health-prometheus e2e skipped: ${missing}\n`);

function sipOptions(i: number): Buffer {
  return Buffer.from([`OPTIONS sip:pbx@192.0.2.1 SIP/2.0`, `Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKh${i}`, 'Max-Forwards: 70',
    'From: <sip:mon@192.0.2.10>;tag=t', 'To: <sip:pbx@192.0.2.1>', `Call-ID: health-${i}@vrtest`, `CSeq: ${i} OPTIONS`, 'Content-Length: 0', '', ''].join('\r\n'));
}

describe.skipIf(missing !== null)(`monitor health row on a real Prometheus${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir = '';
  let mon: RunningMonitor;
  let prom: RunningPrometheus;
  let sender: ReturnType<typeof setInterval> | null = null;
  const sent = new Map<number, number>([[7, 0], [8, 0]]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-health-'));
    process.env.VOIPREADY_DUMPCAP = join(ROOT, 'test', 'helpers', 'fake-dumpcap.mjs');
    process.env.FAKE_DUMPCAP_FILE = FIXTURE;
    try {
      mon = await startMonitor(['--hep-listen', '127.0.0.1:0', '--interface', 'lo'], join(dir, 'report.json'));
    } finally {
      delete process.env.VOIPREADY_DUMPCAP;
      delete process.env.FAKE_DUMPCAP_FILE;
    }
    const udp = createSocket('udp4');
    let i = 0;
    // two capture agents, 20 messages a second between them, for the whole test
    sender = setInterval(() => {
      for (const agent of [7, 8]) {
        i++;
        udp.send(encodeHep3({ src: '192.0.2.10', dst: '192.0.2.1', srcPort: 5060, dstPort: 5060, tsSec: Math.floor(Date.now() / 1000), tsUsec: 0, agentId: agent, payload: sipOptions(i) }),
          mon.hepPort, '127.0.0.1');
        sent.set(agent, sent.get(agent)! + 1);
      }
    }, 100);
    prom = await startPrometheus({ targets: [`127.0.0.1:${mon.httpPort}`], scrapeIntervalSeconds: 1 });
    // rate() and increase() need two scrapes of every series
    await waitFor(async () => (await instantQuery(prom.url, 'count(voipready_hep_packets_total) > 0')).data?.result.length === 1, 30_000, () => 'no HEP series scraped');
    await new Promise((r) => setTimeout(r, 4000));
  }, 90_000);

  afterAll(async () => {
    if (sender !== null) clearInterval(sender);
    await prom?.stop();
    await mon?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('every query of the row returns data', async () => {
    const queries = dashboardQueries('dashboards/grafana').filter((q) => q.row === HEALTH_ROW);
    expect(queries.length).toBeGreaterThanOrEqual(7);
    for (const q of queries) {
      const r = await instantQuery(prom.url, q.expr);
      expect(r.status, `${q.panel}: ${q.expr}: ${r.error ?? ''}`).toBe('success');
      expect(r.data?.result.length ?? 0, `${q.panel}: ${q.expr} returned nothing`).toBeGreaterThan(0);
    }
  });

  it('says what the monitor did: HEP still flowing, per agent as sent, the config loaded', async () => {
    const age = await instantQuery(prom.url, 'time() - max by (source) (voipready_monitor_last_packet_timestamp_seconds)');
    const hep = age.data!.result.find((s) => s.metric.source === 'hep');
    expect(Number(hep!.value![1])).toBeLessThan(5);
    expect(age.data!.result.some((s) => s.metric.source === 'interface')).toBe(true);
    const health = await (await fetch(`http://127.0.0.1:${mon.httpPort}/healthz`)).json();
    expect(Object.keys(health.lastPacketBySource).sort()).toEqual(['hep', 'interface']);
    const perAgent = await instantQuery(prom.url, 'sum by (agent) (voipready_hep_packets_total)');
    for (const agent of ['7', '8']) {
      const got = Number(perAgent.data!.result.find((s) => s.metric.agent === agent)!.value![1]);
      // scraped a moment ago: at most what was sent so far, and most of it
      expect(got).toBeLessThanOrEqual(sent.get(Number(agent))!);
      expect(got).toBeGreaterThan(sent.get(Number(agent))! * 0.5);
    }
    const loaded = await instantQuery(prom.url, 'min(voipready_config_last_reload_successful)');
    expect(loaded.data!.result[0]!.value![1]).toBe('1');
  });
});
