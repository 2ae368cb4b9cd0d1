/**
 * The overview dashboard's "Proxy" row against a real Prometheus scraping a running `voipready
 * proxy` on loopback with two upstreams: A is not running, B answers (the harness's user agents of
 * test/bench/proxy-sip-setup.mjs). The first call fails over from A to B on the 1 s timeout, the
 * second goes to B straight away (A is held down), and RTP flows both ways through the relay. Every
 * query of the row returns data, and the figures are the proxy's: A down and B up, A's timeout
 * failover, requests to both, the calls anchored, the added delay per leg. Needs prometheus and a
 * built dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupCallsThroughProxy } from '../bench/proxy-sip-setup.mjs';
import { BIN, ROOT } from '../helpers/cli.js';
import { exitOf, freePort } from '../helpers/monitor.js';
import { rtpPacket } from '../helpers/pcap-writer.js';
import { PROXY_ROW, dashboardQueries, havePrometheus, instantQuery, startPrometheus, waitFor, type RunningPrometheus } from '../helpers/prometheus.js';

const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
const missing = !havePrometheus ? 'prometheus not installed' : !BUILT ? 'dist/ not built (npm run build)' : null;
if (missing !== null) process.stderr.write(`proxy-prometheus e2e skipped: ${missing}\n`);

const LO = '127.0.0.1';
const PACKETS = 100;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function bind(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(port, LO, () => resolve(s));
  });
}

/** one value per series of an instant query, keyed by the labels named */
async function values(url: string, expr: string, ...labels: string[]): Promise<Map<string, number>> {
  const r = await instantQuery(url, expr);
  return new Map((r.data?.result ?? []).map((s) => [labels.map((l) => s.metric[l]).join(' '), Number(s.value![1])]));
}

describe.skipIf(missing !== null)(`proxy row on a real Prometheus${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let proxy: ChildProcess;
  let prom: RunningPrometheus;
  let stderr = '';
  let upA = 0;
  let upB = 0;
  let closeUas: (() => Promise<void>) | null = null;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    const proxyPort = await freePort();
    upA = await freePort();
    upB = await freePort();
    const http = await freePort();
    // random 100-port ranges for the relay and for the user agents' media, away from other tests
    const rtpBase = 42000 + 200 * Math.floor(Math.random() * 40);
    const genBase = rtpBase + 100;
    proxy = spawn(process.execPath, [BIN, 'proxy', '--listen', `${LO}:${proxyPort}`, '--upstream', `${LO}:${upA}`, '--upstream', `${LO}:${upB}`,
      '--upstream-timeout', '1s', '--upstream-probe', '0', '--rtp-ports', `${rtpBase}-${rtpBase + 99}`, '--grace', '0', '--media-timeout', '3600',
      '--serve', '--listen-http', `${LO}:${http}`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    proxy.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)));
    await waitFor(async () => stderr.includes('proxy on'), 15_000, () => `proxy did not start: ${stderr}`);
    prom = await startPrometheus({ targets: [`${LO}:${http}`], scrapeIntervalSeconds: 1 });
    await waitFor(async () => (await instantQuery(prom.url, 'up == 1')).data?.result.length === 1, 30_000, () => 'Prometheus never scraped the proxy');

    const setup = await setupCallsThroughProxy({ proxyPort, upstreamPort: upB, n: 2, genBase, window: 1 });
    closeUas = setup.close;
    // RTP both ways through the relay: 20 ms apart, from the ports the SDP named
    for (const [, callerPort, calleePort, relayForCaller, relayForCallee] of setup.rows as number[][]) {
      const caller = await bind(callerPort!);
      const callee = await bind(calleePort!);
      sockets.push(caller, callee);
      void (async () => {
        for (let k = 0; k < PACKETS; k++) {
          caller.send(rtpPacket({ seq: k, ts: k * 160, ssrc: 0x1000 + callerPort!, pt: 0 }), relayForCaller!, LO);
          callee.send(rtpPacket({ seq: k, ts: k * 160, ssrc: 0x2000 + calleePort!, pt: 0 }), relayForCallee!, LO);
          await sleep(20);
        }
      })();
    }
    // rate() and increase() need two scrapes with the packets in
    await waitFor(async () => (await instantQuery(prom.url, 'sum(voipready_proxy_added_delay_seconds_count) > 100')).data?.result.length === 1,
      30_000, () => `no added delay scraped: ${stderr}`);
    await sleep(3000);
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await closeUas?.();
    if (proxy?.exitCode === null && proxy.pid !== undefined) process.kill(proxy.pid, 'SIGTERM');
    if (proxy !== undefined) await exitOf(proxy, 20_000);
    await prom?.stop();
  });

  it('every query of the row returns data', async () => {
    const queries = dashboardQueries('dashboards/grafana').filter((q) => q.row === PROXY_ROW);
    expect(queries.length).toBeGreaterThanOrEqual(6);
    for (const q of queries) {
      const r = await instantQuery(prom.url, q.expr);
      expect(r.status, `${q.panel}: ${q.expr}: ${r.error ?? ''}`).toBe('success');
      expect(r.data?.result.length ?? 0, `${q.panel}: ${q.expr} returned nothing`).toBeGreaterThan(0);
    }
  });

  it('shows what the proxy did: A held down after its timeout, B up and taking both calls, media through the relay', async () => {
    const panel = (title: string): string => dashboardQueries('dashboards/grafana').find((q) => q.row === PROXY_ROW && q.panel === title)!.expr;
    const up = await values(prom.url, panel('Upstreams'), 'upstream');
    expect(Object.fromEntries(up)).toEqual({ [`${LO}:${upA}`]: 0, [`${LO}:${upB}`]: 1 });
    const failovers = await values(prom.url, `sum by (upstream, reason) (voipready_proxy_upstream_failovers_total)`, 'upstream', 'reason');
    expect(failovers.get(`${LO}:${upA} timeout`)).toBe(1);
    expect(failovers.get(`${LO}:${upB} timeout`)).toBe(0);
    const requests = await values(prom.url, 'sum by (upstream) (voipready_proxy_upstream_requests_total)', 'upstream');
    // the first INVITE went to A, then both to B
    expect(requests.get(`${LO}:${upA}`)).toBe(1);
    expect(requests.get(`${LO}:${upB}`)).toBe(2);
    const calls = await values(prom.url, panel('Calls anchored'), 'instance');
    expect([...calls.values()]).toEqual([2]);
    const delay = await values(prom.url, panel('Delay the proxy adds, p99'), 'leg');
    expect([...delay.keys()].sort()).toEqual(['a-leg', 'b-leg']);
    for (const v of delay.values()) expect(v).toBeLessThan(0.05);
  });
});
