/**
 * The end-to-end check through the real CLI: `voipready replay <fixture> --serve` scraped
 * by a real Prometheus, every dashboard query answered; `analyze --openmetrics` backfilled with
 * promtool and queried. Needs the build (dist/), the bundled fixture and Debian's prometheus
 * package (installed by .ci/run); skipped with the reason when one is missing.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamReport } from '../../src/model/report.js';
import {
  PROMTOOL_BIN, NOT_SERVED_ROWS, dashboardQueries, freePort, havePrometheus, instantQuery, startPrometheus, waitFor,
} from '../helpers/prometheus.js';
import type { RunningPrometheus } from '../helpers/prometheus.js';

const FIXTURE = 'fixtures/captures/sample-call.pcapng';
const BUILT = ['dist/cli/main.js', 'dist/cli/replay.js', 'dist/pipeline/analyzer.js'].every((f) => existsSync(f));
const missing = !havePrometheus ? 'prometheus/promtool not installed' : !BUILT ? 'dist/ not built (npm run build)' : !existsSync(FIXTURE) ? `${FIXTURE} absent` : null;
if (missing !== null) process.stderr.write(`prometheus-cli e2e skipped: ${missing}\n`);

describe.skipIf(missing !== null)('voipready replay --serve scraped by a real Prometheus', () => {
  let prom: RunningPrometheus;
  let child: ReturnType<typeof spawn>;
  let target = '';
  let stderr = '';

  beforeAll(async () => {
    const port = await freePort();
    target = `127.0.0.1:${port}`;
    child = spawn(process.execPath, ['bin/voipready', 'replay', FIXTURE, '--serve', '--listen', target, '--speed', '10', '--loop'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    await waitFor(async () => (await fetch(`http://${target}/healthz`)).ok, 20_000, () => `replay did not serve: ${stderr}`);
    prom = await startPrometheus({ targets: [target], scrapeIntervalSeconds: 1 });
    await waitFor(async () => {
      const r = await instantQuery(prom.url, 'count_over_time(voipready_rtp_packets_received_total[1m]) >= 4');
      return (r.data?.result.length ?? 0) > 0;
    }, 40_000, () => `no RTP counters scraped; replay said: ${stderr}`);
  });

  afterAll(async () => {
    await prom?.stop();
    if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
  });

  it('every dashboard panel query returns data', async () => {
    // the monitor's health row is checked against a running monitor (monitor-prometheus-soak.test.ts), the active ALG check row against alg-check (alg-check-prometheus.test.ts)
    const queries = dashboardQueries('dashboards/grafana').filter((q) => !NOT_SERVED_ROWS.includes(q.row));
    expect.assertions(queries.length * 2);
    for (const q of queries) {
      const r = await instantQuery(prom.url, q.expr);
      expect(r.status, `${q.dashboard} / ${q.panel}: ${q.expr}: ${r.error ?? ''}`).toBe('success');
      expect(r.data?.result.length ?? 0, `${q.dashboard} / ${q.panel}: ${q.expr} returned nothing`).toBeGreaterThan(0);
    }
  });

  it('promtool check metrics passes on the exposition, and /api/streams has the JSON fields', async () => {
    const text = await (await fetch(`http://${target}/metrics`)).text();
    expect(execFileSync(PROMTOOL_BIN, ['check', 'metrics'], { input: text, encoding: 'utf8' })).toBe('');
    const streams = (await (await fetch(`http://${target}/api/streams`)).json()) as StreamReport[];
    expect(streams.length).toBeGreaterThan(0);
    for (const key of ['id', 'ssrc', 'packets', 'expected', 'lost', 'jitterMaxMs', 'verdict']) expect(streams[0]).toHaveProperty(key);
  });

  it('stops cleanly on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    expect(await exited).toBe(0);
  });
});

describe.skipIf(missing !== null)('analyze --openmetrics backfilled with promtool', () => {
  it('the backfilled counters equal the sums over analyze --json at the capture end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-cli-om-'));
    let prom: RunningPrometheus | undefined;
    try {
      const om = join(dir, 'out.om');
      const res = spawnSync(process.execPath, ['bin/voipready', 'analyze', FIXTURE, '--json', '--openmetrics', om], { encoding: 'utf8' });
      expect(res.status === 0 || res.status === 1 || res.status === 2, res.stderr).toBe(true);
      const report = JSON.parse(res.stdout) as { streams: StreamReport[] };
      execFileSync(PROMTOOL_BIN, ['tsdb', 'create-blocks-from', 'openmetrics', om, join(dir, 'data')]);
      const last = readFileSync(om, 'utf8').split('\n').filter((l) => l.startsWith('voipready_rtp_packets_received_total')).pop() ?? '';
      const at = Number(last.split(' ').pop());
      prom = await startPrometheus({ dataDir: join(dir, 'data') });
      const received = await instantQuery(prom.url, 'sum(voipready_rtp_packets_received_total)', at);
      expect(Number(received.data?.result[0]?.value?.[1])).toBe(report.streams.reduce((a, s) => a + s.packets, 0));
      const expected = await instantQuery(prom.url, 'sum(voipready_rtp_packets_expected_total)', at);
      expect(Number(expected.data?.result[0]?.value?.[1])).toBe(report.streams.reduce((a, s) => a + s.expected, 0));
    } finally {
      await prom?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
