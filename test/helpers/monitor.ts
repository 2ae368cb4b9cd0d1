/**
 * Test-only: runs the compiled `voipready monitor` as a child process owned by PID, reads the HEP and
 * HTTP ports it printed (tests pass port 0), and stops it with SIGTERM to collect the final report.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, ROOT } from './cli.js';

export interface RunningMonitor {
  proc: ChildProcess;
  hepPort: number;
  httpPort: number;
  stderr(): string;
  metrics(): Promise<string>;
  /** SIGTERM, wait for the exit (bounded), and read the --report file */
  stop(): Promise<{ code: number | null; stdout: string; stderr: string; report: any }>;
}

export async function startMonitor(args: string[], reportFile: string, timeoutMs = 20_000): Promise<RunningMonitor> {
  const proc = spawn(process.execPath, [BIN, 'monitor', '--listen', '127.0.0.1:0', '--report', reportFile, ...args], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  const ports = await new Promise<{ hep: number; http: number }>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`monitor did not start: ${err}`)), timeoutMs);
    const check = (): void => {
      const hep = /collecting HEP on udp\+tcp [^\s,]*:(\d+)/.exec(err);
      const http = /serving http:\/\/[^ ]*:(\d+)\/metrics/.exec(err);
      if (hep && http) {
        clearTimeout(t);
        resolve({ hep: Number(hep[1]), http: Number(http[1]) });
      }
    };
    proc.stderr!.on('data', check);
    void exited.then((code) => reject(new Error(`monitor exited (${code}) before starting: ${err}`)));
  });
  return {
    proc,
    hepPort: ports.hep,
    httpPort: ports.http,
    stderr: () => err,
    metrics: async () => (await fetch(`http://127.0.0.1:${ports.http}/metrics`)).text(),
    stop: async () => {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      let report: any = null;
      try {
        report = JSON.parse(readFileSync(reportFile, 'utf8'));
      } catch {
        report = null;
      }
      return { code, stdout: out, stderr: err, report };
    },
  };
}

/** the value of one sample line of a Prometheus text exposition, or 0 */
export function sampleValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const ok = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`));
    if (ok) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}

/** a UDP port free on 127.0.0.1 just now (bound and released; the TCP port of the same number is checked too) */
export async function freePort(): Promise<number> {
  const { createSocket } = await import('node:dgram');
  const { createServer } = await import('node:net');
  for (;;) {
    const s = createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    const port = s.address().port;
    s.close();
    const ok = await new Promise<boolean>((r) => {
      const t = createServer();
      t.once('error', () => r(false));
      t.listen(port, '127.0.0.1', () => t.close(() => r(true)));
    });
    if (ok) return port;
  }
}

/** resolves with the exit code, or kills (SIGKILL) the process after timeoutMs and resolves null */
export function exitOf(proc: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const t = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

/** true when `cmd` is on the PATH */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
