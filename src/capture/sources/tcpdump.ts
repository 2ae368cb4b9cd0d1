/**
 * Interface capture through tcpdump, the backend that reports drops while it runs: `tcpdump -U -w -`
 * as a child process writes pcap (nanosecond timestamps) to a pipe, flushed per packet, and on
 * SIGUSR1 prints libpcap's pcap_stats() ("N packets captured, N packets received by filter,
 * N packets dropped by kernel[, N packets dropped by interface]") to stderr and goes on capturing.
 * We send it SIGUSR1 every few seconds, so kernel and interface drops are known within that time.
 *
 * Why not dumpcap alone: dumpcap reports its counts only when it stops (dumpcap.c's
 * report_packet_drops is called from the end of the capture loop, and its pcapng Interface Statistics
 * Blocks are written when a file is closed, which `-w -` never does while running); packet-socket
 * statistics belong to the socket that opened them, so no other process can read dumpcap's. tcpdump
 * captures one interface per process: with several interfaces monitor runs one each (monitor-capture.ts).
 * Measured with test/bench/monitor-interface.bench.mjs (README "Interface capture"), each tool in turn
 * next to `tcpdump -w /dev/null` on loopback with the 32 MiB default buffer: 0 drops with either tool up
 * to 53,000 packets/s, where the reference had none too, and less CPU through tcpdump (node + tool 30 %
 * against 39 % at 42,600 packets/s): so tcpdump is the default.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { InterfaceCapture, InterfaceCaptureOptions, InterfaceDrops, InterfaceExit } from './interface.js';

/** how often tcpdump is asked for its counts (SIGUSR1) unless the caller says otherwise */
export const DEFAULT_STATS_INTERVAL_MS = 2000;

/** tcpdump's counts: cumulative since it started (libpcap adds up the kernel's per-read figures) */
export interface TcpdumpStats {
  /** packets tcpdump wrote out */
  captured: number;
  /** packets the filter passed (on Linux this includes the ones the kernel then dropped) */
  received: number;
  /** dropped by the kernel: the capture buffer was full */
  dropped: number;
  /** dropped by the interface (ps_ifdrop; tcpdump prints it only when it is not 0) */
  ifDropped: number;
}

/** tcpdump's argument list for one interface (pure): -B is in KiB for tcpdump */
export function tcpdumpArgs(o: InterfaceCaptureOptions): string[] {
  if (o.interfaces.length !== 1) throw new RangeError(`tcpdump captures one interface, not ${o.interfaces.length}`);
  const args = ['-i', o.interfaces[0]!, '-n', '-U', '--time-stamp-precision=nano'];
  if (o.snaplen !== undefined) args.push('-s', String(o.snaplen));
  if (o.promiscuous === false) args.push('-p');
  if (o.bufferMiB !== undefined) args.push('-B', String(o.bufferMiB * 1024));
  args.push('-w', '-');
  // the filter goes last as one argument: tcpdump joins the remaining arguments into the expression
  if (o.filter !== undefined && o.filter !== '') args.push(o.filter);
  return args;
}

// SIGUSR1 prints one line ("tcpdump: 5 packets captured, 5 packets received by filter, 0 packets dropped
// by kernel"); the exit prints the same on separate lines. [,\n] separates the parts in both forms.
const STATS = /(\d+) packets? captured[,\n]\s*(\d+) packets? received by filter[,\n]\s*(\d+) packets? dropped by kernel(?:[,\n]\s*(\d+) packets? dropped by interface)?/g;

/** the last complete counts in tcpdump's stderr, or null when it printed none (pure) */
export function parseTcpdumpStats(stderr: string): TcpdumpStats | null {
  let last: TcpdumpStats | null = null;
  for (const m of stderr.matchAll(STATS)) {
    last = { captured: Number(m[1]), received: Number(m[2]), dropped: Number(m[3]), ifDropped: m[4] === undefined ? 0 : Number(m[4]) };
  }
  return last;
}

/**
 * Reads tcpdump's stderr as it comes: complete lines only (a count cut between two reads is never
 * taken), the last few lines kept (the exit form spans four), and each new complete count reported.
 */
export class TcpdumpStatsReader {
  private partial = '';
  private tail = '';
  last: TcpdumpStats | null = null;

  constructor(private readonly onStats: (s: TcpdumpStats) => void) {}

  push(text: string): void {
    const all = this.partial + text;
    const cut = all.lastIndexOf('\n');
    if (cut < 0) {
      this.partial = all.slice(-4096);
      return;
    }
    this.partial = all.slice(cut + 1).slice(-4096);
    this.tail = (this.tail + all.slice(0, cut + 1)).slice(-1024);
    const s = parseTcpdumpStats(this.tail);
    if (s !== null && !sameStats(s, this.last)) {
      this.last = s;
      this.onStats(s);
    }
  }
}

function sameStats(a: TcpdumpStats, b: TcpdumpStats | null): boolean {
  return b !== null && a.captured === b.captured && a.received === b.received && a.dropped === b.dropped && a.ifDropped === b.ifDropped;
}

export interface TcpdumpCaptureOptions extends InterfaceCaptureOptions {
  /** called with the counts each time tcpdump prints new ones */
  onDrops?: (drops: InterfaceDrops[]) => void;
  statsIntervalMs?: number;
}

const asDrops = (iface: string, s: TcpdumpStats): InterfaceDrops[] => [{ interface: iface, received: s.received, dropped: s.dropped, ifDropped: s.ifDropped }];

export function startTcpdumpCapture(o: TcpdumpCaptureOptions): InterfaceCapture {
  const iface = o.interfaces[0] ?? '?';
  const child: ChildProcess = spawn(o.command ?? 'tcpdump', tcpdumpArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  // SIGUSR1 before tcpdump has installed its handler would kill it: ask only once it said "listening"
  // (remembered: the line soon scrolls out of the 4 KiB of stderr kept)
  let listening = false;
  const stats = new TcpdumpStatsReader((s) => o.onDrops?.(asDrops(iface, s)));
  child.stderr!.on('data', (b: Buffer) => {
    const text = b.toString('utf8');
    err = (err + text).slice(-4096);
    listening ||= /listening on/.test(err);
    stats.push(text);
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const poll = setInterval(() => {
    if (running() && listening) child.kill('SIGUSR1');
  }, o.statsIntervalMs ?? DEFAULT_STATS_INTERVAL_MS);
  poll.unref();
  const exited = new Promise<InterfaceExit>((resolve) => {
    child.once('error', (e) => {
      err += `\n${e.message}`;
    });
    child.once('close', (code) => {
      clearInterval(poll);
      stats.push('\n');
      resolve({ code, drops: stats.last === null ? [] : asDrops(iface, stats.last), stderr: err });
    });
  });
  return {
    stream: child.stdout!,
    pid: child.pid,
    exited,
    stop: async () => {
      clearInterval(poll);
      // SIGINT, as Ctrl-C: tcpdump flushes, prints its final counts and exits 0
      if (running()) child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}
