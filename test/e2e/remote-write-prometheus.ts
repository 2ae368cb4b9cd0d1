/**
 * Debian's `prometheus` on loopback as a remote_write receiver for the e2e tests: free port, temp
 * data dir, --web.enable-remote-write-receiver, started and stopped by PID (SIGSTOP/SIGCONT and
 * kill + restart on the same data dir for the outage test; reserve() then run() for a receiver
 * that is down when the sender starts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const havePrometheus = spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;

export interface RawSample {
  labels: Record<string, string>;
  values: Array<[number, number]>;
}

export class PrometheusProcess {
  private child: ChildProcess | null = null;
  readonly dir = mkdtempSync(join(tmpdir(), 'vr-prom-'));
  log = '';

  private constructor(readonly port: number) {
    writeFileSync(join(this.dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\n');
  }

  static async start(): Promise<PrometheusProcess> {
    const p = await PrometheusProcess.reserve();
    await p.run();
    return p;
  }

  /** a free port and a data dir, nothing listening yet (a receiver that is down); run() starts it */
  static async reserve(): Promise<PrometheusProcess> {
    return new PrometheusProcess(await freePort());
  }

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get writeUrl(): string {
    return `${this.base}/api/v1/write`;
  }

  /** (re)start on the same port and data directory, and wait until it is ready */
  async run(): Promise<void> {
    const child = spawn('prometheus', [
      `--config.file=${join(this.dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(this.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${this.port}`, '--web.enable-remote-write-receiver', '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-4000);
    });
    this.child = child;
    const end = Date.now() + 20_000;
    while (Date.now() < end) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${this.log}`);
      try {
        if ((await fetch(`${this.base}/-/ready`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`prometheus not ready after 20 s: ${this.log}`);
  }

  signal(sig: NodeJS.Signals): void {
    this.child?.kill(sig);
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.child = null;
  }

  async close(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** raw samples of a range selector, e.g. `{site="hq"}[1h]`, evaluated at `atSec` */
  async raw(selector: string, atSec = Date.now() / 1000): Promise<RawSample[]> {
    const url = `${this.base}/api/v1/query?query=${encodeURIComponent(selector)}&time=${atSec}`;
    const body = (await (await fetch(url)).json()) as { status: string; data: { result: Array<{ metric: Record<string, string>; values: Array<[number, string]> }> } };
    if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
    return body.data.result.map((r) => ({ labels: r.metric, values: r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]) }));
  }
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}
