/**
 * Interface capture through dumpcap (`--capture-tool dumpcap`; tcpdump.ts is the default, one process
 * per interface, whose drops are known while it runs), a live source at the edge: Wireshark's `dumpcap` as a child process writes
 * pcapng to a pipe (`-w -`, flushed per packet), which the stream reader (capture/file-source.ts)
 * turns into records. dumpcap keeps capturing while Node pauses (its own process and kernel
 * buffer), needs CAP_NET_RAW (and CAP_NET_ADMIN for promiscuous mode) instead of root, and takes
 * several interfaces into one pcapng stream.
 *
 * Drops: dumpcap reports received/dropped per interface (kernel and interface) on stderr when it
 * stops, and only then; parseDumpcapStats reads those lines. The types here are shared by both tools.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface InterfaceCaptureOptions {
  interfaces: string[];
  /** BPF (libpcap filter syntax) */
  filter?: string;
  snaplen?: number;
  /** default true */
  promiscuous?: boolean;
  /** kernel buffer in MiB (dumpcap -B) */
  bufferMiB?: number;
  /** the dumpcap binary (default "dumpcap" on the PATH) */
  command?: string;
}

export interface InterfaceDrops {
  /** dumpcap's name for the interface, e.g. "Loopback: lo" */
  interface: string;
  received: number;
  /** dropped by the kernel (pcap) plus by dumpcap itself */
  dropped: number;
  /** dropped by the interface (ps_ifdrop) */
  ifDropped: number;
}

export interface InterfaceCapture {
  /** pcapng bytes as dumpcap writes them */
  readonly stream: Readable;
  readonly pid: number | undefined;
  /** stop dumpcap (SIGINT, as Ctrl-C: it flushes and prints its counts) and wait for it */
  stop(): Promise<InterfaceExit>;
  /** resolves when dumpcap has exited, for whatever reason */
  readonly exited: Promise<InterfaceExit>;
}

export interface InterfaceExit {
  code: number | null;
  drops: InterfaceDrops[];
  /** dumpcap's stderr (its last 4 KiB), for messages */
  stderr: string;
}

/** dumpcap's argument list for these options (pure) */
export function dumpcapArgs(o: InterfaceCaptureOptions): string[] {
  const args: string[] = [];
  for (const i of o.interfaces) args.push('-i', i);
  if (o.filter !== undefined && o.filter !== '') args.push('-f', o.filter);
  if (o.snaplen !== undefined) args.push('-s', String(o.snaplen));
  if (o.promiscuous === false) args.push('-p');
  if (o.bufferMiB !== undefined) args.push('-B', String(o.bufferMiB));
  args.push('-n', '-q', '-w', '-');
  return args;
}

const STATS = /Packets received\/dropped on interface '([^']*)': (\d+)\/(\d+) \(pcap:(\d+)\/dumpcap:(\d+)\/flushed:(\d+)\/ps_ifdrop:(\d+)\)/g;

/** the per-interface counts dumpcap prints when it stops (pure) */
export function parseDumpcapStats(stderr: string): InterfaceDrops[] {
  const out: InterfaceDrops[] = [];
  for (const m of stderr.matchAll(STATS)) {
    out.push({ interface: m[1]!, received: Number(m[2]), dropped: Number(m[3]), ifDropped: Number(m[7]) });
  }
  return out;
}

export function startInterfaceCapture(o: InterfaceCaptureOptions): InterfaceCapture {
  const child: ChildProcess = spawn(o.command ?? 'dumpcap', dumpcapArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => {
    err = (err + b.toString('utf8')).slice(-4096);
  });
  const exited = new Promise<InterfaceExit>((resolve) => {
    child.once('error', (e) => {
      err += `\n${e.message}`;
    });
    child.once('close', (code) => resolve({ code, drops: parseDumpcapStats(err), stderr: err }));
  });
  return {
    stream: child.stdout!,
    pid: child.pid,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const r = await exited;
      clearTimeout(t);
      return r;
    },
  };
}
