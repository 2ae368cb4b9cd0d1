/** Interface capture options (`monitor --interface`): interfaces, BPF filter, snap length, promiscuous mode, kernel buffer, the tool. */
import { Option, type Command } from 'commander';
import { VoipreadyError } from '../../errors.js';

/**
 * dumpcap's own default is 2 MiB. The analysis reads dumpcap's pipe in bursts (a chunk is analysed
 * before the next read), and while it does, packets wait in this buffer: at 46,000 packets/s on
 * loopback 4 MiB lost 6 % of the packets where tcpdump lost none, 32 MiB lost none (npm run bench,
 * test/bench/monitor-interface.bench.mjs).
 */
export const DEFAULT_BUFFER_MIB = 32;

export interface CaptureOptionValues {
  interface?: string[];
  filter?: string;
  snaplen?: string;
  promiscuous?: boolean;
  bufferSize?: string;
  captureTool?: string;
}

/** tcpdump reports drops while it runs (SIGUSR1), one process per interface; dumpcap takes several in one stream and reports drops when it stops */
export type CaptureTool = 'tcpdump' | 'dumpcap';
const TOOLS: readonly CaptureTool[] = ['tcpdump', 'dumpcap'];

export interface CaptureConfig {
  interfaces: string[];
  filter?: string;
  snaplen?: number;
  promiscuous: boolean;
  bufferMiB?: number;
  /** as given with --capture-tool; captureToolFor() picks one when absent */
  tool?: CaptureTool;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addCaptureOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-i, --interface <name>', 'capture on this interface (repeatable: one tcpdump each; needs CAP_NET_RAW)').argParser(collect))
    .option('-f, --filter <bpf>', 'capture filter in libpcap syntax, e.g. "udp or tcp port 5060"')
    .option('--snaplen <bytes>', 'bytes kept of each packet (default the tool\'s, 262144)')
    .option('--no-promiscuous', 'do not put the interface into promiscuous mode')
    .option('--buffer-size <MiB>', `kernel capture buffer in MiB (-B, default ${DEFAULT_BUFFER_MIB})`)
    .option('--capture-tool <tool>', 'tcpdump (default: one process per interface, drops reported while it runs) or dumpcap (one process for all, drops known when it stops)');
}

/** null when no --interface is given */
export function captureConfigFrom(opts: CaptureOptionValues): CaptureConfig | null {
  const interfaces = opts.interface ?? [];
  if (interfaces.length === 0) {
    if (opts.filter !== undefined) throw new VoipreadyError('E_USAGE', '--filter needs --interface');
    if (opts.captureTool !== undefined) throw new VoipreadyError('E_USAGE', '--capture-tool needs --interface');
    return null;
  }
  const c: CaptureConfig = { interfaces, promiscuous: opts.promiscuous !== false };
  if (opts.filter !== undefined) c.filter = opts.filter;
  if (opts.snaplen !== undefined) c.snaplen = whole(opts.snaplen, '--snaplen', 64, 262144);
  if (opts.captureTool !== undefined) c.tool = toolOf(opts.captureTool);
  c.bufferMiB = opts.bufferSize !== undefined ? whole(opts.bufferSize, '--buffer-size', 1, 4096) : DEFAULT_BUFFER_MIB;
  return c;
}

function toolOf(text: string): CaptureTool {
  const tool = TOOLS.find((t) => t === text);
  if (tool === undefined) throw new VoipreadyError('E_USAGE', `--capture-tool "${text}" must be one of ${TOOLS.join(', ')}`);
  return tool;
}

/**
 * The tool a capture runs (pure): the one given; else dumpcap when a dumpcap binary is named
 * (VOIPREADY_DUMPCAP); else tcpdump (one process per interface), whose drops are known while it runs.
 */
export function captureToolFor(c: CaptureConfig, dumpcapNamed: boolean): CaptureTool {
  if (c.tool !== undefined) return c.tool;
  return dumpcapNamed ? 'dumpcap' : 'tcpdump';
}

function whole(text: string, option: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new VoipreadyError('E_USAGE', `${option} "${text}" must be a whole number from ${min} to ${max}`);
  return n;
}
