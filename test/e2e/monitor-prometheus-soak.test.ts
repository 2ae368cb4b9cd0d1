/**
 * Soak of the real process: `voipready monitor -` fed an hour of call traffic (SOAK_CAPTURE_SECONDS,
 * default 3600 s of capture time) as a live pcap stream on its stdin, accelerated into SOAK_SECONDS of
 * wall time (default 180 s), with a real Prometheus scraping /metrics every second the whole time.
 * Retention is short (streams retire 5 s after their last packet, calls 2 s after their end), so the
 * tables turn over hundreds of times. From Prometheus's own stored samples and from /proc/PID/status:
 * - every scrape succeeded (`up` is 1 throughout, no gap between samples), /healthz was ok at every poll;
 * - the counters never went back and end equal to the generator's truth (calls, streams, RTP packets);
 * - the overview dashboard's panels that show this traffic have data at every step after warm-up;
 * - RSS, the objects the analysis holds, the number of series exposed stay flat after warm-up (the
 *   last third of the run against the first third after warm-up), and the event loop lag stays bounded.
 * The capture's clock starts at the wall clock and runs ahead of it (the analyzer's clock follows the
 * packets and never goes back, so the monitor's own wall-clock ticks change nothing); the tail of the
 * capture is a small non-RTP packet every capture second, so that everything retires by the end.
 * Needs prometheus and a built dist/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Datagram } from '../../src/pipeline/datagram.js';
import { BIN, ROOT } from '../helpers/cli.js';
import { liveCallSeconds, type LiveCallsTruth } from '../helpers/live-calls.js';
import { exitOf } from '../helpers/monitor.js';
import { pcapHeader, pcapRecord } from '../helpers/pcap-writer.js';
import { HEALTH_ROW, NOT_SERVED_ROWS, dashboardQueries, havePrometheus, instantQuery, startPrometheus, waitFor, type RunningPrometheus } from '../helpers/prometheus.js';

const WALL_SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const CAPTURE_SECONDS = Number(process.env.SOAK_CAPTURE_SECONDS ?? 3600);
const SPEED = CAPTURE_SECONDS / WALL_SECONDS;
/** one call starts every capture second, each 5 s of G.711 both ways (about 5 calls up at a time) */
const PACKETS_PER_CALL = 250;
const TAIL_SECONDS = 30;
const BUILT = existsSync(join(ROOT, 'dist', 'cli', 'main.js'));
const missing = !havePrometheus ? 'prometheus not installed' : !BUILT ? 'dist/ not built (npm run build)' : null;
if (missing !== null) process.stderr.write(`monitor-prometheus-soak e2e skipped: ${missing}\n`);

interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

/** the raw samples Prometheus stored for `selector` in the last `seconds` before `atSec` */
async function rawSamples(url: string, selector: string, seconds: number, atSec: number): Promise<RangeSeries[]> {
  const params = new URLSearchParams({ query: `${selector}[${Math.ceil(seconds)}s]`, time: String(atSec) });
  const body = (await (await fetch(`${url}/api/v1/query?${params.toString()}`)).json()) as { status: string; error?: string; data: { result: RangeSeries[] } };
  if (body.status !== 'success') throw new Error(`${selector}: ${body.error ?? body.status}`);
  return body.data.result;
}

async function rangeQuery(url: string, expr: string, startSec: number, endSec: number, stepSec: number): Promise<RangeSeries[]> {
  const params = new URLSearchParams({ query: expr, start: String(startSec), end: String(endSec), step: String(stepSec) });
  const body = (await (await fetch(`${url}/api/v1/query_range?${params.toString()}`)).json()) as { status: string; error?: string; data: { result: RangeSeries[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error ?? body.status}`);
  return body.data.result;
}

function frameOf(d: Datagram): Buffer {
  return pcapRecord({ time: d.tsSec + d.tsNsec / 1e9, src: d.src, dst: d.dst, sport: d.srcPort, dport: d.dstPort, dscp: d.dscp ?? 0, payload: d.payload });
}

/** a non-RTP UDP packet (discard port) that moves the capture's clock on in the quiet tail */
function keepalive(sec: number): Buffer {
  return pcapRecord({ time: sec, src: '192.0.2.200', dst: '192.0.2.201', sport: 9, dport: 9, payload: Buffer.from('tick') });
}

/** the values after warm-up split in thirds: max (or min) of the first and of the last */
function thirds(values: number[], of: (...xs: number[]) => number = Math.max): { first: number; last: number } {
  const n = values.length;
  const a = values.slice(0, Math.floor(n / 3));
  const c = values.slice(Math.ceil((2 * n) / 3));
  return { first: of(...a), last: of(...c) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(missing !== null)(`monitor soak: an hour of calls with Prometheus scraping${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir = '';
  let mon: ChildProcess;
  let prom: RunningPrometheus;
  let httpPort = 0;
  let stderr = '';
  let stdout = '';
  const truth: LiveCallsTruth = { calls: 0, streams: 0, rtpPackets: 0, sipMessages: 0 };
  const rss: Array<{ atMs: number; kB: number }> = [];
  const health: Array<{ atMs: number; status: string }> = [];
  let trafficStartSec = 0;
  let trafficEndSec = 0;
  /** when Prometheus had scraped the final counts (the series go stale once the monitor has exited) */
  let finalScrapeSec = 0;
  let exitCode: number | null = null;
  let report: any = null;
  let metricsAtEnd = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-soak-'));
    const config = join(dir, 'voipready.yaml');
    writeFileSync(config, 'retention: { streamIdleSeconds: 5, callGraceSeconds: 2, keepStreams: 500, keepCalls: 500 }\n');
    mon = spawn(process.execPath, [BIN, 'monitor', '-', '--listen', '127.0.0.1:0', '--config', config, '--json', '--report', join(dir, 'report.json')], {
      cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
    });
    mon.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
    mon.stderr!.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-20_000)));
    const exited = exitOf(mon, (WALL_SECONDS + 240) * 1000);
    await waitFor(async () => /serving http:\/\/[^ ]*:(\d+)\/metrics/.test(stderr), 20_000, () => `monitor did not start: ${stderr}`);
    httpPort = Number(/serving http:\/\/[^ ]*:(\d+)\/metrics/.exec(stderr)![1]);
    prom = await startPrometheus({ targets: [`127.0.0.1:${httpPort}`], scrapeIntervalSeconds: 1 });
    await waitFor(async () => (await instantQuery(prom.url, 'up == 1')).data?.result.length === 1, 30_000, () => 'Prometheus never scraped the monitor');

    // RSS from the kernel and /healthz, once a second for the whole run
    const sampler = setInterval(() => {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${mon.pid}/status`, 'utf8'));
        if (m) rss.push({ atMs: Date.now(), kB: Number(m[1]) });
      } catch {
        // the process has just ended
      }
      fetch(`http://127.0.0.1:${httpPort}/healthz`).then(async (r) => health.push({ atMs: Date.now(), status: ((await r.json()) as { status: string }).status }),
        () => health.push({ atMs: Date.now(), status: 'unreachable' }));
    }, 1000);

    const stdin = mon.stdin!;
    // a monitor that died is reported by the checks below, not as an EPIPE crash of this test
    stdin.on('error', (err) => (stderr += `\n(test) stdin: ${err.message}`));
    stdin.write(pcapHeader());
    const startMs = (Math.floor(Date.now() / 1000) + 1) * 1000;
    const wall0 = Date.now();
    trafficStartSec = wall0 / 1000;
    const firstSec = startMs / 1000;
    for (const s of liveCallSeconds({ calls: CAPTURE_SECONDS, perSecond: 1, packetsPerCall: PACKETS_PER_CALL, startMs, dscp: 46, tailSeconds: TAIL_SECONDS }, truth)) {
      const chunk = s.datagrams.length > 0 ? Buffer.concat(s.datagrams.map(frameOf)) : keepalive(s.sec);
      if (!stdin.write(chunk)) await once(stdin, 'drain');
      // paced: capture second k is written by wall time k / SPEED
      const due = wall0 + ((s.sec - firstSec + 1) * 1000) / SPEED;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
    }
    trafficEndSec = Date.now() / 1000;
    // what the monitor counted once the last packets are in, straight from it and as Prometheus scraped it
    await waitFor(async () => {
      metricsAtEnd = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
      return sum(metricsAtEnd, 'voipready_rtp_packets_received_total') >= truth.rtpPackets;
    }, 30_000, () => 'the monitor never counted every RTP packet');
    await waitFor(async () => Number((await instantQuery(prom.url, 'sum(voipready_rtp_packets_received_total)')).data?.result[0]?.value?.[1] ?? 0) >= truth.rtpPackets,
      15_000, () => 'Prometheus never scraped the final counts');
    finalScrapeSec = Date.now() / 1000;
    await sleep(2000);
    clearInterval(sampler);
    // the end of the stream ends the monitor: it prints and writes the report of the whole run
    stdin.end();
    exitCode = await exited;
    report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  }, (WALL_SECONDS + 300) * 1000);

  afterAll(async () => {
    if (mon?.exitCode === null && mon.pid !== undefined) process.kill(mon.pid, 'SIGKILL');
    await prom?.stop();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const window = (): number => trafficEndSec - trafficStartSec;
  const warmup = (): number => trafficStartSec + window() * 0.2;

  it('the monitor ran to the end of the stream and exited cleanly', () => {
    expect(exitCode, stderr).toBe(0);
    expect(stderr).toMatch(/end of stdin: stopping/);
    expect(health.length).toBeGreaterThan(WALL_SECONDS * 0.8);
    expect(health.filter((h) => h.status !== 'ok'), 'a /healthz poll that was not ok').toEqual([]);
  });

  it('every scrape succeeded: up is 1 at every sample, no gap between samples', async () => {
    const [up] = await rawSamples(prom.url, 'up', window(), trafficEndSec);
    const ts = up!.values.map(([t]) => t);
    expect(up!.values.every(([, v]) => v === '1'), 'a failed scrape').toBe(true);
    const gaps = ts.slice(1).map((t, i) => t - ts[i]!);
    expect(Math.max(...gaps), 'the longest time between two scrapes').toBeLessThan(2.5);
    expect(ts.length).toBeGreaterThan(window() * 0.9);
  });

  it('counters never went back and end equal to the generator\'s truth', async () => {
    for (const name of ['voipready_sip_calls_started_total', 'voipready_rtp_streams_started_total', 'voipready_rtp_packets_received_total']) {
      const r = await instantQuery(prom.url, `resets(${name}[${Math.ceil(window()) + 30}s])`, trafficEndSec + 5);
      expect(r.data!.result.length, name).toBeGreaterThan(0);
      for (const s of r.data!.result) expect(Number(s.value![1]), `${name} went back`).toBe(0);
    }
    expect(sum(metricsAtEnd, 'voipready_sip_calls_started_total')).toBe(truth.calls);
    expect(sum(metricsAtEnd, 'voipready_rtp_streams_started_total')).toBe(truth.streams);
    expect(sum(metricsAtEnd, 'voipready_rtp_packets_received_total')).toBe(truth.rtpPackets);
    expect(sum(metricsAtEnd, 'voipready_rtp_packets_lost_total')).toBe(0);
    const scraped = Number((await instantQuery(prom.url, 'sum(voipready_rtp_packets_received_total)', finalScrapeSec)).data!.result[0]!.value![1]);
    expect(scraped).toBe(truth.rtpPackets);
    // and the report of the whole run: every stream and call retired on the way, the newest listed
    expect(report.retention.streamsRetired).toBe(truth.streams);
    expect(report.retention.callsRetired).toBe(truth.calls);
    expect(report.streams.length).toBe(500);
    expect(report.calls.length).toBe(500);
    expect(stdout.length).toBeGreaterThan(0);
  });

  it('the overview panels that show this traffic have data at every step after warm-up', async () => {
    const queries = dashboardQueries('dashboards/grafana').filter((q) => q.dashboard === 'voipready-overview.json' && !NOT_SERVED_ROWS.includes(q.row));
    const withData: string[] = [];
    for (const q of queries) {
      const at = await instantQuery(prom.url, q.expr, trafficEndSec - 5);
      if ((at.data?.result.length ?? 0) === 0) continue;
      withData.push(q.panel);
      const series = await rangeQuery(prom.url, q.expr, warmup(), trafficEndSec - 5, 5);
      const steps = new Set(series.flatMap((s) => s.values.map(([t]) => t)));
      const expected = Math.floor((trafficEndSec - 5 - warmup()) / 5) + 1;
      expect(steps.size, `${q.panel}: ${q.expr} has gaps`).toBeGreaterThanOrEqual(expected);
    }
    // the traffic panels (streams, calls, jitter, loss, MOS) are among them
    for (const p of ['Active calls', 'Active streams', 'Jitter p95 vs limit', 'Packet loss vs limit', 'Calls']) expect(withData, p).toContain(p);
    // the monitor's own row, through the whole run
    for (const q of dashboardQueries('dashboards/grafana').filter((x) => x.row === HEALTH_ROW && /memory|lag|Held|last packet/i.test(x.panel))) {
      const series = await rangeQuery(prom.url, q.expr, warmup(), trafficEndSec - 5, 5);
      expect(series.length, `${q.panel} returned nothing`).toBeGreaterThan(0);
    }
  });

  it('RSS, held objects and exposed series stay flat after warm-up; the event loop lag stays bounded', async () => {
    const after = rss.filter((r) => r.atMs / 1000 >= warmup() && r.atMs / 1000 <= trafficEndSec).map((r) => r.kB * 1024);
    const kernel = thirds(after);
    const scrapedRss = thirds((await rawSamples(prom.url, 'process_resident_memory_bytes', trafficEndSec - warmup(), trafficEndSec))[0]!.values.map(([, v]) => Number(v)));
    // the heap's floor (its lowest sample: just after a collection) rises with anything retained
    const heapFloor = thirds((await rawSamples(prom.url, 'nodejs_heap_size_used_bytes', trafficEndSec - warmup(), trafficEndSec))[0]!.values.map(([, v]) => Number(v)), Math.min);
    const held = new Map<string, { first: number; last: number }>();
    for (const s of await rawSamples(prom.url, 'voipready_monitor_held_objects', trafficEndSec - warmup(), trafficEndSec)) held.set(s.metric.kind!, thirds(s.values.map(([, v]) => Number(v))));
    const seriesCount = thirds((await rawSamples(prom.url, 'scrape_samples_scraped', trafficEndSec - warmup(), trafficEndSec))[0]!.values.map(([, v]) => Number(v)));
    const lag = (await rawSamples(prom.url, 'nodejs_eventloop_lag_p99_seconds', window(), trafficEndSec))[0]!.values.map(([, v]) => Number(v));
    // the whole run in tenths (warm-up included): the curve the README quotes
    const curve = [...Array(10).keys()].map((k) => {
      const part = rss.slice(Math.floor((k * rss.length) / 10), Math.floor(((k + 1) * rss.length) / 10));
      return Math.round(Math.max(...part.map((r) => r.kB)) / 1024);
    });
    const figures = { rssCurveMB: curve, kernelRssMB: mb(kernel), scrapedRssMB: mb(scrapedRss), heapFloorMB: mb(heapFloor), held: Object.fromEntries(held), series: seriesCount, lagP99MaxS: Math.max(...lag), rssSamples: after.length, truth };
    process.stderr.write(`monitor soak figures: ${JSON.stringify(figures)}\n`);
    expect(after.length).toBeGreaterThan(WALL_SECONDS * 0.6);
    // the last third within 20 % (and 16 MB of slack for the allocator) of the first third after warm-up
    for (const m of [kernel, scrapedRss]) expect(m.last).toBeLessThanOrEqual(m.first * 1.2 + 16 * 1024 * 1024);
    // tighter for the heap, whose floor is not the allocator's: the ALG detector that kept the last 4,096
    // calls' SIP messages (their Call-IDs as Map keys) raised it from 22.3 to 25.4 MB here; fixed, 21.1 to 21.2
    expect(heapFloor.last).toBeLessThanOrEqual(heapFloor.first * 1.05 + 1024 * 1024);
    expect([...held.keys()].sort()).toEqual(['calls', 'signalled_endpoints', 'stream_records', 'streams']);
    for (const [kind, h] of held) expect(h.last, kind).toBeLessThanOrEqual(h.first * 1.2 + 10);
    // held streams: about 5 calls up, 2 streams each, and those idle for less than streamIdleSeconds
    expect(held.get('streams')!.last).toBeLessThan(60);
    expect(seriesCount.last).toBeLessThanOrEqual(seriesCount.first * 1.1 + 50);
    expect(Math.max(...lag)).toBeLessThan(2);
  });
});

function sum(exposition: string, name: string): number {
  let total = 0;
  for (const line of exposition.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  return total;
}

function mb(t: { first: number; last: number }): { first: number; last: number } {
  return { first: Math.round(t.first / 1e5) / 10, last: Math.round(t.last / 1e5) / 10 };
}
