/**
 * A real Prometheus for tests: started on loopback on a free port with a temp data dir, stopped
 * by its PID (never by name). Also: the PromQL of every dashboard panel, with Grafana's variables
 * replaced by values Prometheus understands.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';
export const havePrometheus = existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus {
  url: string;
  pid: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface PrometheusOptions {
  /** "127.0.0.1:PORT" targets scraped by job "voipready" */
  targets?: string[];
  scrapeIntervalSeconds?: number;
  /** use this TSDB directory (e.g. blocks made by promtool) instead of a fresh temp dir */
  dataDir?: string;
  /** also accept remote_write pushes on /api/v1/write (--web.enable-remote-write-receiver) */
  remoteWriteReceiver?: boolean;
}

export async function startPrometheus(opts: PrometheusOptions = {}): Promise<RunningPrometheus> {
  const work = mkdtempSync(join(tmpdir(), 'vr-prom-'));
  const dataDir = opts.dataDir ?? join(work, 'data');
  const interval = opts.scrapeIntervalSeconds ?? 1;
  const config = [
    'global:',
    `  scrape_interval: ${interval}s`,
    `  scrape_timeout: ${interval}s`,
    'scrape_configs:',
    '  - job_name: voipready',
    '    static_configs:',
    `      - targets: [${(opts.targets ?? []).map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  writeFileSync(join(work, 'prometheus.yml'), config);
  const port = await freePort();
  const child: ChildProcess = spawn(PROMETHEUS_BIN, [
    `--config.file=${join(work, 'prometheus.yml')}`,
    `--storage.tsdb.path=${dataDir}`,
    // backfilled captures can be old: do not let retention delete them at start-up
    '--storage.tsdb.retention.time=100y',
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    ...(opts.remoteWriteReceiver === true ? ['--web.enable-remote-write-receiver'] : []),
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await waitFor(async () => (await fetch(`${url}/-/ready`)).ok, 20_000, () => `Prometheus not ready: ${stderr}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, pid: child.pid ?? -1, dataDir, stop };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, why: () => string = () => 'timed out'): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not up yet: try again until the deadline
    }
    if (Date.now() > end) throw new Error(why());
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface QueryResult {
  status: string;
  error?: string;
  data?: { resultType: string; result: Array<{ metric: Record<string, string>; value?: [number, string] }> };
}

export async function instantQuery(url: string, expr: string, timeSec?: number): Promise<QueryResult> {
  const params = new URLSearchParams({ query: expr });
  if (timeSec !== undefined) params.set('time', String(timeSec));
  const res = await fetch(`${url}/api/v1/query?${params.toString()}`);
  return (await res.json()) as QueryResult;
}

export interface PanelQuery {
  dashboard: string;
  panel: string;
  expr: string;
  /** the title of the row the panel sits under ('' before any row) */
  row: string;
}

/** the overview's row about voipready monitor itself: its queries need a running monitor (test/e2e/monitor-prometheus-soak.test.ts) */
export const HEALTH_ROW = 'Monitor health';

/** the overview's row of alg-check / nat-check: their queries need a check's textfile or push (test/e2e/alg-check-prometheus.test.ts) */
export const ALG_CHECK_ROW = 'Active ALG check';

/** the overview's row of `voipready proxy`: its queries need a running proxy (test/e2e/proxy-prometheus.test.ts) */
export const PROXY_ROW = 'Proxy';

/** rows whose data does not come from `serve`/`replay`'s /metrics: the e2e tests of those skip them */
export const NOT_SERVED_ROWS: readonly string[] = [HEALTH_ROW, ALG_CHECK_ROW, PROXY_ROW];

/** every panel target of every dashboard, Grafana variables replaced ($__rate_interval -> rateWindow, $var -> .*) */
export function dashboardQueries(dir: string, rateWindow = '15s'): PanelQuery[] {
  const out: PanelQuery[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const dash = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { panels: Array<{ type?: string; title: string; targets?: Array<{ expr?: string }> }> };
    let row = '';
    for (const p of dash.panels) {
      if (p.type === 'row') row = p.title;
      for (const t of p.targets ?? []) {
        if (t.expr === undefined) continue;
        out.push({ dashboard: file, panel: p.title, expr: substituteVariables(t.expr, rateWindow), row });
      }
    }
  }
  return out;
}

export function substituteVariables(expr: string, rateWindow = '15s'): string {
  return expr.replace(/\$__rate_interval|\$__interval/g, rateWindow).replace(/\$\{?[a-z_]+\}?/g, '.*');
}

/** `name{labels} value` lines of a text exposition -> "name|k=v,k=v" (labels sorted) -> value */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => `${l[1]}=${l[2]}`).sort();
    out.set(`${m[1]}|${labels.join(',')}`, Number(m[3]));
  }
  return out;
}

/** `promtool test rules` on a rule-test file written from `tests` (YAML): its output and exit status */
export function promtoolRuleTests(tests: string): { output: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'vr-rules-'));
  try {
    writeFileSync(join(dir, 'tests.yml'), tests);
    const r = spawnSync(PROMTOOL_BIN, ['test', 'rules', join(dir, 'tests.yml')], { encoding: 'utf8' });
    return { output: r.stdout + r.stderr, status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
