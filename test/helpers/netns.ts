/**
 * Test-only: network namespaces joined by veth pairs, and processes started inside them that the test
 * owns by PID. Everything a test creates is named with one random suffix (vr-a-XXXX, vr-b-XXXX) so parallel
 * runs never meet, and `destroy()` removes it again (deleting a namespace also deletes its veth end).
 * Needs root and iproute2; `missingForNetns()` says what is absent so a test can skip with the reason.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';

/** why namespaces cannot be used here, or null when they can */
export function missingForNetns(tools: string[]): string | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'not root (network namespaces need root)';
  }
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status !== 0);
  return missing.length > 0 ? `missing ${missing.join(', ')}` : null;
}

export function run(argv: string[], timeoutMs = 10_000): string {
  const [cmd, ...rest] = argv;
  return execFileSync(cmd!, rest, { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function inNs(ns: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

export interface VethEnd {
  ns: string;
  dev: string;
  /** address with prefix, e.g. 10.244.0.1/24 */
  cidr: string;
}

/** A set of namespaces owned by one test; create with `Lab.create(['a', 'b'])`. */
export class Lab {
  readonly suffix = randomBytes(3).toString('hex');
  /** namespaces are named `${prefix}-<role>-<suffix>`; a test may pick its own prefix (e.g. vrimp) */
  private prefix = 'vr';
  readonly namespaces: string[] = [];
  /** every process started with spawn(), in order */
  readonly procs: OwnedProcess[] = [];

  static create(roles: string[], prefix = 'vr'): Lab {
    sweepStaleLabs();
    const lab = new Lab();
    lab.prefix = prefix;
    try {
      for (const role of roles) {
        lab.addNamespace(role);
      }
    } catch (err) {
      lab.destroyNamespaces();
      throw err;
    }
    return lab;
  }

  ns(role: string): string {
    return `${this.prefix}-${role}-${this.suffix}`;
  }

  private addNamespace(role: string): void {
    const name = this.ns(role);
    run(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  }

  /** a veth pair between two namespaces, addressed and up */
  link(a: VethEnd, b: VethEnd): void {
    run(['ip', 'link', 'add', a.dev, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns]);
    for (const end of [a, b]) {
      run(['ip', '-n', end.ns, 'addr', 'add', end.cidr, 'dev', end.dev]);
      run(['ip', '-n', end.ns, 'link', 'set', end.dev, 'up']);
    }
  }

  exec(ns: string, argv: string[]): string {
    return run(inNs(ns, argv));
  }

  /** starts argv inside ns; `ip netns exec` execs in place, so the child's PID is the program's own */
  spawn(ns: string, argv: string[], opts: { cwd?: string; name?: string } = {}): OwnedProcess {
    const p = new OwnedProcess(opts.name ?? argv[0]!, spawn('ip', ['netns', 'exec', ns, ...argv], {
      cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'],
    }));
    this.procs.push(p);
    return p;
  }

  /** stops every process this lab started (by PID), then deletes its namespaces; never throws */
  async destroy(): Promise<void> {
    await Promise.all(this.procs.map((p) => p.stop('SIGTERM', 3000).catch(() => undefined)));
    this.destroyNamespaces();
  }

  private destroyNamespaces(): void {
    for (const name of this.namespaces.splice(0)) {
      spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
    }
  }
}

/** a lab older than this with no process inside is left over from a run that was killed before its afterAll */
const STALE_LAB_MS = 30 * 60_000;

/**
 * Deletes namespaces our labs made (vr-<role>-<6 hex>, or another vr* prefix) that a killed test run left behind: only those
 * with no process inside and created more than STALE_LAB_MS ago, so a lab of a run going on beside
 * this one is never touched. Never throws.
 */
function sweepStaleLabs(): void {
  let names: string[];
  try {
    names = listNamespaces().filter((n) => /^vr[a-z]*-[a-z0-9]+-[0-9a-f]{6}$/.test(n));
  } catch {
    return;
  }
  for (const name of names) {
    try {
      if (Date.now() - statSync(`/run/netns/${name}`).mtimeMs < STALE_LAB_MS) continue;
      if (run(['ip', 'netns', 'pids', name]).trim() !== '') continue;
      spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // gone meanwhile, or not ours to read: leave it
    }
  }
}

export function listNamespaces(): string[] {
  return run(['ip', 'netns', 'list']).split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.length > 0);
}

/** a child process owned by the test: output kept (last 64 KiB), stopped by PID only */
export class OwnedProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(readonly name: string, private readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => { this.stdout = (this.stdout + d.toString()).slice(-65536); });
    child.stderr?.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-65536); });
    this.exited = new Promise((resolve) => {
      child.on('error', (err) => { this.stderr += `\nspawn error: ${err.message}`; this.exitCode = null; resolve(null); });
      child.on('close', (code, signal) => { this.exitCode = code ?? (signal ? -1 : null); resolve(this.exitCode); });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** resolves when `re` matches stdout or stderr; rejects on exit or after timeoutMs */
  async waitFor(re: RegExp, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!re.test(this.stdout) && !re.test(this.stderr)) {
      if (!this.running) {
        throw new Error(`${this.name} exited (${this.exitCode}) before ${re}: ${this.stderr.slice(-800)}`);
      }
      if (Date.now() > end) {
        throw new Error(`${this.name}: no ${re} within ${timeoutMs} ms: ${this.stderr.slice(-800)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** waits for the process to end by itself, killing it (by PID) after timeoutMs */
  async wait(timeoutMs: number): Promise<number | null> {
    const timer = setTimeout(() => { void this.stop('SIGTERM', 2000); }, timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** sends `signal` to this PID, then SIGKILL after graceMs if it is still there */
  async stop(signal: NodeJS.Signals, graceMs: number): Promise<number | null> {
    if (this.running && this.pid !== undefined) {
      signalPid(this.pid, signal);
      const timer = setTimeout(() => {
        if (this.running && this.pid !== undefined) {
          signalPid(this.pid, 'SIGKILL');
        }
      }, graceMs);
      try {
        await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }
}

/** a process that has just ended is not an error */
function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') {
      throw err;
    }
  }
}
