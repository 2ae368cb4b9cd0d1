/**
 * `--remote-write` through the real CLI into Debian's Prometheus (remote-write receiver on loopback):
 *   - `voipready replay --remote-write`: every voipready_* series arrives with the config's `site`
 *     label, and its last stored value is the value /metrics of the same run shows at the end;
 *   - a replay killed with SIGKILL while the receiver is down loses nothing: the next run with the
 *     same --state-dir delivers the queued samples with their original timestamps;
 *   - a capture from last week (--keep-timestamps) is refused by Prometheus, and the log says to
 *     backfill with `analyze --openmetrics` + promtool instead.
 * Needs dist/ (npm run build) and the prometheus binary; skipped with the reason otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { pcapFile, rtpPacket, type UdpFrame } from '../helpers/pcap-writer.js';
import { freePort, havePrometheus, PrometheusProcess, type RawSample } from './remote-write-prometheus.js';
import { parseExposition } from '../helpers/prometheus.js';

const FIXTURE = 'fixtures/captures/sample-call.pcapng';
const BUILT = ['dist/cli/main.js', 'dist/cli/remote-write.js', 'dist/outputs/remote-write/writer.js'].every((f) => existsSync(join(ROOT, f)));
const missing = !havePrometheus ? 'prometheus not installed' : !BUILT ? 'dist/ not built (npm run build)' : null;
if (missing !== null) process.stderr.write(`remote-write-cli e2e skipped: ${missing}\n`);

/** one `node bin/voipready ...` started by this test: stderr kept, waited for, killed by its PID */
class Cli {
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async waitForLog(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pattern.test(this.stderr)) {
      if (this.child.exitCode !== null || Date.now() > end) throw new Error(`no ${pattern} in the CLI's stderr:\n${this.stderr}`);
      await sleep(50);
    }
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.pid, signal);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));


function seriesKey(labels: Record<string, string>): string {
  const { __name__: name, ...rest } = labels;
  return `${name}|${Object.entries(rest).map(([k, v]) => `${k}=${v}`).sort().join(',')}`;
}

describe.skipIf(missing !== null)('voipready replay --remote-write into a real Prometheus', () => {
  const dirs: string[] = [];
  const clis: Cli[] = [];
  const proms: PrometheusProcess[] = [];
  let work = '';

  const cli = (args: string[]): Cli => {
    const c = new Cli(args);
    clis.push(c);
    return c;
  };
  const config = (name: string, site: string): string => {
    const file = join(work, `${name}.yaml`);
    writeFileSync(file, `site: ${site}\n`);
    return file;
  };
  const prometheus = async (p: Promise<PrometheusProcess>): Promise<PrometheusProcess> => {
    const started = await p;
    proms.push(started);
    return started;
  };

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'vr-rw-cli-'));
    dirs.push(work);
  });
  afterEach(async () => {
    for (const c of clis.splice(0)) {
      c.kill('SIGKILL');
      await c.exited;
    }
  });
  afterAll(async () => {
    for (const p of proms) await p.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('stores every voipready_* series with the site label, last values equal to /metrics of the same run', async () => {
    const prom = await prometheus(PrometheusProcess.start());
    const listen = `127.0.0.1:${await freePort()}`;
    const startedMs = Date.now();
    const run = cli(['replay', FIXTURE, '--speed', '2', '--listen', listen, '--remote-write', prom.writeUrl, '--push-interval', '1',
      '--config', config('site', 'e2e-site'), '--linger', '3']);
    await run.waitForLog(/replay of .* finished/);
    // the analysis is over: /metrics holds the final values while the replay lingers
    const exposition = parseExposition(await (await fetch(`http://${listen}/metrics`)).text());
    expect(await run.exited).toEqual({ code: 0, signal: null });
    expect(run.stderr).not.toMatch(/pushing failed|not delivered|rejected|not after the previous/);

    // the capture (6 s) is shifted to now: every stamp lies between the start and a little past the end
    const stored = await prom.raw('{__name__=~"voipready_.+"}[10m]', Date.now() / 1000 + 60);
    const byKey = new Map<string, RawSample>(stored.map((s) => [seriesKey(s.labels), s]));
    expect(stored.length).toBeGreaterThan(40);
    expect(stored.filter((s) => s.labels.site !== 'e2e-site').map((s) => seriesKey(s.labels))).toEqual([]);
    const stamps = [...new Set(stored.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
    expect(stamps[0]).toBeGreaterThanOrEqual(Math.floor(startedMs / 1000) * 1000);
    expect(stamps[stamps.length - 1]).toBeLessThan(startedMs + 6_030 + 5_000);
    // one stamp per capture second (whole seconds, 1 s apart), plus the capture's end time
    const seconds = stamps.slice(0, -1);
    expect(seconds.length).toBeGreaterThanOrEqual(6);
    expect(seconds.every((t, i) => t % 1000 === 0 && (i === 0 || t - (seconds[i - 1] as number) === 1000))).toBe(true);

    const analysis = [...exposition].filter(([k]) => k.startsWith('voipready_') && !k.startsWith('voipready_remote_write_'));
    expect(analysis.length).toBeGreaterThan(40);
    expect(analysis.filter(([k]) => !byKey.has(k)).map(([k]) => k), 'series of /metrics missing in Prometheus').toEqual([]);
    const differing = analysis.flatMap(([k, v]) => {
      const last = byKey.get(k)?.values.at(-1);
      return last === undefined || last[1] === v ? [] : [`${k}: /metrics ${v}, Prometheus ${last[1]}`];
    });
    expect(differing).toEqual([]);
    // every series' last sample is the end-of-capture one: the final values are pushed, not the last second's
    const lastStamp = stamps[stamps.length - 1];
    expect(analysis.filter(([k]) => byKey.get(k)?.values.at(-1)?.[0] !== lastStamp).map(([k]) => k)).toEqual([]);
    // the counters went up second by second (not only one final sample)
    const received = [...byKey.values()].find((s) => s.labels.__name__ === 'voipready_rtp_packets_received_total');
    expect(received?.values.length).toBeGreaterThanOrEqual(5);
    expect(received?.values.every(([, v], i, a) => i === 0 || v >= (a[i - 1]?.[1] ?? 0))).toBe(true);
    // the writer's own metrics travel with the rest
    expect(byKey.has(`voipready_remote_write_samples_total|result=sent,site=e2e-site,target=${prom.writeUrl}`)).toBe(true);
  }, 60_000);

  it('a replay killed with SIGKILL while the receiver is down loses nothing: the next run sends the queue from --state-dir', async () => {
    const prom = await PrometheusProcess.reserve(); // its port: nothing listens there yet
    proms.push(prom);
    const stateDir = mkdtempSync(join(tmpdir(), 'vr-rw-state-'));
    dirs.push(stateDir);
    const listen = `127.0.0.1:${await freePort()}`;
    const startedMs = Date.now();
    const first = cli(['replay', FIXTURE, '--speed', '1', '--listen', listen, '--remote-write', prom.writeUrl, '--push-interval', '1',
      '--state-dir', stateDir, '--config', config('first', 'restart-first'), '--linger', '30']);
    await first.waitForLog(/pushing failed: cannot reach the receiver: ECONNREFUSED/);
    // queued for a few seconds; the disk mirror is written every second
    const queued = async (): Promise<number> => {
      const text = await (await fetch(`http://${listen}/metrics`)).text();
      return [...parseExposition(text)].filter(([k]) => k.startsWith('voipready_remote_write_queue_samples|')).reduce((a, [, v]) => a + v, 0);
    };
    await sleep(2500);
    const queuedBefore = await queued();
    await sleep(1500); // at least one disk flush after queuedBefore
    const queuedAtKill = await queued();
    const killedMs = Date.now();
    first.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(queuedBefore).toBeGreaterThan(0);

    await prom.run();
    const second = cli(['replay', FIXTURE, '--speed', 'max', '--exit-after-end', '--listen', `127.0.0.1:${await freePort()}`,
      '--remote-write', prom.writeUrl, '--push-interval', '1', '--state-dir', stateDir, '--config', config('second', 'restart-second')]);
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.stderr).toMatch(/samples from a previous run queued in .*; sending them first/);
    expect(second.stderr).not.toMatch(/not delivered|rejected|dropping/);

    // what the killed run had queued (and flushed to disk) is in Prometheus, stamped with its own capture seconds
    const fromFirst = await prom.raw('{site="restart-first"}[10m]', Date.now() / 1000 + 60);
    const samples = fromFirst.reduce((a, s) => a + s.values.length, 0);
    expect(samples).toBeGreaterThanOrEqual(queuedBefore);
    expect(samples).toBeLessThanOrEqual(queuedAtKill);
    const stamps = [...new Set(fromFirst.flatMap((s) => s.values.map(([t]) => t)))].sort((a, b) => a - b);
    expect(stamps.length).toBeGreaterThanOrEqual(2);
    expect(stamps.every((t, i) => t % 1000 === 0 && (i === 0 || t - (stamps[i - 1] as number) === 1000))).toBe(true);
    expect(stamps[0]).toBeGreaterThanOrEqual(Math.floor(startedMs / 1000) * 1000);
    expect(stamps[stamps.length - 1]).toBeLessThanOrEqual(killedMs);
    // a series that exists from the first second has a sample at each of them: no gap
    const calls = fromFirst.find((s) => s.labels.__name__ === 'voipready_sip_calls_started_total');
    expect(calls?.values.map(([t]) => t)).toEqual(stamps);
    // and the second run's own samples came after them
    const fromSecond = await prom.raw('voipready_sip_calls_started_total{site="restart-second"}[10m]', Date.now() / 1000 + 60);
    expect(fromSecond[0]?.values.at(-1)?.[1]).toBe(2);
    expect(fromSecond[0]?.values[0]?.[0]).toBeGreaterThan(stamps[stamps.length - 1] as number);
  }, 60_000);

  it('a capture from last week (--keep-timestamps) is refused as too old, and the log points to the OpenMetrics backfill', async () => {
    const prom = await prometheus(PrometheusProcess.start());
    const capture = join(work, 'last-week.pcap');
    const t0 = Math.floor(Date.now() / 1000) - 7 * 86_400;
    const frames: UdpFrame[] = Array.from({ length: 150 }, (_, i) => ({
      time: t0 + i * 0.02, src: '10.1.0.10', dst: '10.2.0.10', sport: 40000, dport: 40002, dscp: 46,
      payload: rtpPacket({ seq: 1000 + i, ts: i * 160, ssrc: 0x1234abcd, pt: 8 }),
    }));
    writeFileSync(capture, pcapFile(frames));
    // a central Prometheus holds today's data (an empty one takes samples of any age): push today's first
    const today = cli(['replay', capture, '--speed', 'max', '--exit-after-end', '--listen', `127.0.0.1:${await freePort()}`,
      '--remote-write', prom.writeUrl, '--config', config('today', 'today')]);
    expect(await today.exited).toEqual({ code: 0, signal: null });
    expect(await prom.raw('voipready_sip_calls_started_total{site="today"}[10m]', Date.now() / 1000 + 60)).toHaveLength(1);
    const run = cli(['replay', capture, '--keep-timestamps', '--speed', 'max', '--exit-after-end', '--listen', `127.0.0.1:${await freePort()}`,
      '--remote-write', prom.writeUrl, '--push-interval', '1', '--config', config('old', 'last-week')]);
    expect(await run.exited).toEqual({ code: 0, signal: null });
    const line = run.stderr.split('\n').find((l) => l.includes('too old'));
    expect(line).toMatch(/^voipready: remote_write http:\/\/127\.0\.0\.1:\d+\/api\/v1\/write: the receiver refuses these samples as too old \(HTTP 400: .*out of bounds/);
    expect(line).toMatch(/`voipready analyze --openmetrics FILE > capture\.om` and `promtool tsdb create-blocks-from openmetrics capture\.om DATA_DIR`/);
    expect(run.stderr.split('\n').filter((l) => l.includes('too old'))).toHaveLength(1);
    expect(await prom.raw('{site="last-week"}[30d]', Date.now() / 1000)).toEqual([]);
  }, 60_000);
});
