/**
 * `monitor --interface`: the capture tool as a child (tcpdump for one interface, dumpcap for several,
 * or as --capture-tool says), its pipe through the stream reader into the analyzer, and its drop
 * counts into /metrics, /healthz and the findings: live with tcpdump (every few seconds), at the end
 * with dumpcap (it reports them only when it stops).
 */
import { readCaptureStream } from '../capture/file-source.js';
import { startInterfaceCapture, type InterfaceCapture, type InterfaceDrops } from '../capture/sources/interface.js';
import { startTcpdumpCapture } from '../capture/sources/tcpdump.js';
import { captureToolFor, type CaptureConfig, type CaptureTool } from '../config/options/capture.js';
import type { CaptureDropMarker } from '../detect/capture-drops.js';
import type { CaptureMetrics } from '../outputs/prometheus/capture-metrics.js';
import { Recording } from '../outputs/record/recording.js';
import type { Analyzer } from '../pipeline/analyzer.js';

export type ConfiguredDrops = InterfaceDrops & { configured: string };

/** what the capture edge keeps for /healthz */
export interface CaptureHealth {
  tool: CaptureTool;
  /** the tool's counts as last reported; null until it reported any */
  drops: ConfiguredDrops[] | null;
  /** when they were reported, ms since the epoch */
  dropsAtMs: number | null;
  exit: number | null;
}

export interface CaptureSource {
  name: string;
  interfaces: readonly string[];
  health: CaptureHealth;
  ended: Promise<unknown>;
  stop(): Promise<void>;
}

export interface CaptureSinks {
  analyzer: Analyzer;
  recording: Recording | null;
  metrics: CaptureMetrics;
  marker: CaptureDropMarker;
  /** each time the pipe delivers bytes */
  seen(): void;
}

export function startCapture(capture: CaptureConfig, sinks: CaptureSinks): CaptureSource {
  // VOIPREADY_DUMPCAP / VOIPREADY_TCPDUMP: another binary (or a stand-in for tests)
  const dumpcap = process.env.VOIPREADY_DUMPCAP;
  const tcpdump = process.env.VOIPREADY_TCPDUMP;
  const tool = captureToolFor(capture, dumpcap !== undefined && dumpcap !== '');
  const health: CaptureHealth = { tool, drops: null, dropsAtMs: null, exit: null };
  const counted = (drops: InterfaceDrops[]): void => {
    health.drops = drops.map((d, i) => ({ ...d, configured: capture.interfaces[i] ?? d.interface }));
    health.dropsAtMs = Date.now();
    for (const d of health.drops) {
      sinks.metrics.totals(d.configured, d);
      sinks.marker.counted({ interface: d.configured, dropped: d.dropped + d.ifDropped });
    }
  };
  const dc: InterfaceCapture = tool === 'tcpdump'
    ? startTcpdumpCapture({ ...capture, ...(tcpdump ? { command: tcpdump } : {}), onDrops: counted })
    : startInterfaceCapture({ ...capture, ...(dumpcap ? { command: dumpcap } : {}) });
  process.stderr.write(`voipready: capturing on ${capture.interfaces.join(', ')} with ${tool} (pid ${dc.pid ?? '?'})${capture.filter ? `, filter "${capture.filter}"` : ''}${tool === 'tcpdump' ? ', drops counted live' : ', drops counted when it stops'}\n`);
  dc.stream.on('data', sinks.seen);
  const { analyzer, recording } = sinks;
  const name = (id: number): string => capture.interfaces[id] ?? `if${id}`;
  const push = recording?.frames(analyzer.push.bind(analyzer), name) ?? analyzer.push.bind(analyzer);
  const read = readCaptureStream(dc.stream, capture.interfaces.join(','), push, Recording.readOptions(analyzer.readOptions(), recording, name));
  const ended = Promise.all([read, dc.exited]).then(([, exit]) => {
    health.exit = exit.code;
    if (exit.drops.length > 0) counted(exit.drops);
    if (exit.code !== 0) process.stderr.write(`voipready: ${tool} exited with ${exit.code}: ${exit.stderr.trim().split('\n').slice(-3).join(' / ')}\n`);
    for (const d of health.drops ?? []) process.stderr.write(`voipready: ${d.configured}: ${d.received} received, ${d.dropped} dropped by the kernel, ${d.ifDropped} by the interface\n`);
  });
  return {
    name: `capture on ${capture.interfaces.join(', ')}`,
    interfaces: capture.interfaces,
    health,
    ended,
    stop: async () => {
      await dc.stop();
      await ended;
    },
  };
}

/** /healthz's capture part: drops as last counted, and whether the capture dropped at all */
export function captureHealthOf(h: CaptureHealth, interfaces: readonly string[]): Record<string, unknown> {
  const dropped = h.drops === null ? null : h.drops.reduce((n, d) => n + d.dropped + d.ifDropped, 0);
  return {
    interfaces,
    tool: h.tool,
    running: h.exit === null,
    drops: h.drops,
    dropsCountedAt: h.dropsAtMs === null ? null : new Date(h.dropsAtMs).toISOString(),
    dropped,
  };
}
