/**
 * `monitor --interface`: the capture tool as a child (one tcpdump per interface, or one dumpcap for
 * all of them as --capture-tool says), its pipe through the stream reader into the analyzer, and its
 * drop counts into /metrics, /healthz and the findings: live with tcpdump (every few seconds), at the
 * end with dumpcap (it reports them only when it stops).
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

/** one capture process and the interfaces it captures (all of them for dumpcap, one for each tcpdump) */
interface CaptureUnit {
  interfaces: readonly string[];
  dc: InterfaceCapture;
  /** the tool's counts as last reported, per interface of this unit */
  drops: ConfiguredDrops[] | null;
}

export function startCapture(capture: CaptureConfig, sinks: CaptureSinks): CaptureSource {
  // VOIPREADY_DUMPCAP / VOIPREADY_TCPDUMP: another binary (or a stand-in for tests)
  const dumpcap = process.env.VOIPREADY_DUMPCAP;
  const tcpdump = process.env.VOIPREADY_TCPDUMP;
  const tool = captureToolFor(capture, dumpcap !== undefined && dumpcap !== '');
  const health: CaptureHealth = { tool, drops: null, dropsAtMs: null, exit: null };
  const units: CaptureUnit[] = [];
  const counted = (unit: CaptureUnit, drops: InterfaceDrops[]): void => {
    unit.drops = drops.map((d, i) => ({ ...d, configured: unit.interfaces[i] ?? d.interface }));
    // every interface's latest counts, in the order configured (a unit that has not reported yet is absent)
    health.drops = units.flatMap((u) => u.drops ?? []);
    health.dropsAtMs = Date.now();
    for (const d of unit.drops) {
      sinks.metrics.totals(d.configured, d);
      sinks.marker.counted({ interface: d.configured, dropped: d.dropped + d.ifDropped });
    }
  };
  // tcpdump captures one interface per process: one each, their pipes read side by side (each packet
  // keeps its own capture time; the analyzer's clock never goes back)
  const groups = tool === 'tcpdump' ? capture.interfaces.map((i) => [i]) : [capture.interfaces];
  for (const interfaces of groups) {
    const unit: CaptureUnit = { interfaces, dc: null as unknown as InterfaceCapture, drops: null };
    const config = { ...capture, interfaces: [...interfaces] };
    unit.dc = tool === 'tcpdump'
      ? startTcpdumpCapture({ ...config, ...(tcpdump ? { command: tcpdump } : {}), onDrops: (d) => counted(unit, d) })
      : startInterfaceCapture({ ...config, ...(dumpcap ? { command: dumpcap } : {}) });
    units.push(unit);
  }
  const pids = units.map((u) => u.dc.pid ?? '?').join(', ');
  process.stderr.write(`voipready: capturing on ${capture.interfaces.join(', ')} with ${tool} (pid ${pids})${capture.filter ? `, filter "${capture.filter}"` : ''}${tool === 'tcpdump' ? ', drops counted live' : ', drops counted when it stops'}\n`);
  const { analyzer, recording } = sinks;
  const unitEnds = units.map((u) => {
    u.dc.stream.on('data', sinks.seen);
    const name = (id: number): string => u.interfaces[id] ?? `if${id}`;
    const push = recording?.frames(analyzer.push.bind(analyzer), name) ?? analyzer.push.bind(analyzer);
    const read = readCaptureStream(u.dc.stream, u.interfaces.join(','), push, Recording.readOptions(analyzer.readOptions(), recording, name));
    return Promise.all([read, u.dc.exited]).then(([, exit]) => {
      if (exit.drops.length > 0) counted(u, exit.drops);
      if (exit.code !== 0) process.stderr.write(`voipready: ${tool} on ${u.interfaces.join(', ')} exited with ${exit.code}: ${exit.stderr.trim().split('\n').slice(-3).join(' / ')}\n`);
      return exit.code;
    });
  });
  const ended = Promise.all(unitEnds).then((codes) => {
    // the first tool that failed says how the capture ended; 0 when every one ended cleanly
    health.exit = codes.find((c) => c !== 0) ?? 0;
    for (const d of health.drops ?? []) process.stderr.write(`voipready: ${d.configured}: ${d.received} received, ${d.dropped} dropped by the kernel, ${d.ifDropped} by the interface\n`);
  });
  return {
    name: `capture on ${capture.interfaces.join(', ')}`,
    interfaces: capture.interfaces,
    health,
    ended,
    stop: async () => {
      await Promise.all(units.map((u) => u.dc.stop()));
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
