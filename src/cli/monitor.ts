/**
 * `voipready monitor [-] [--hep-listen 0.0.0.0:9060] [--interface eth0 --filter BPF] [--listen 127.0.0.1:9464]`:
 * ongoing monitoring from live sources, one or several at once: the HEP collector
 * (capture/sources/hep.ts) into the datagram entry; interface capture (tcpdump or dumpcap, monitor-capture.ts)
 * and a live pcap/pcapng on stdin (`-`) through the stream reader into the frame entry. The wall clock
 * drives the analyzer's seconds, and /metrics, /healthz and /api are always served (as `replay`).
 * SIGINT/SIGTERM, or the end of a capture stream, stop it: the report of the whole run is printed
 * (text, or JSON with --json) and written to --report FILE as JSON.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { keepOutputError, reportOutputErrors, writeOutputFile } from './write-output.js';
import { readCaptureStream } from '../capture/file-source.js';
import { startHepCollector, type HepCollector } from '../capture/sources/hep.js';
import {
  addSharedOptions, captureConfigFrom, hepConfigFrom, serveConfigFrom, settingsFromOptions,
  type CaptureOptionValues, type HepConfig, type HepOptionValues, type RemoteWriteCliOptions, type ServeOptionValues, type SettingsCliOptions,
} from '../config/options/index.js';
import { addRecordOptions, recordConfigFrom, type RecordOptionValues } from '../config/options/record.js';
import { CaptureDropMarker } from '../detect/capture-drops.js';
import { captureHealthOf, startCapture, type CaptureSource, type ConfiguredDrops } from './monitor-capture.js';
import { onReportSignal, waitForShutdown } from '../config/shutdown.js';
import { VoipreadyError, writeFailure } from '../errors.js';
import { durationOption } from '../config/duration.js';
import type { AnalysisReport, Finding } from '../model/report.js';
import { toJson } from '../outputs/json.js';
import { createCaptureMetrics } from '../outputs/prometheus/capture-metrics.js';
import { createHepMetrics } from '../outputs/prometheus/hep-metrics.js';
import { createMetrics } from '../outputs/prometheus/metrics.js';
import { Recording } from '../outputs/record/recording.js';
import { startServer } from '../outputs/server/server.js';
import { registerHeldObjects, registerSourceHealth } from '../outputs/prometheus/monitor-metrics.js';
import { renderText } from '../outputs/text-report.js';
import { Analyzer } from '../pipeline/analyzer.js';
import { startWallClock } from '../pipeline/wall-clock.js';
import { exitCodeOf } from './command.js';
import { reloadOnHup } from './reload-on-hup.js';
import { startRemoteWrite } from './remote-write.js';

export interface MonitorOptions extends ServeOptionValues, SettingsCliOptions, RemoteWriteCliOptions, HepOptionValues, CaptureOptionValues, RecordOptionValues {
  report?: string;
  reportInterval?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('monitor')
    .description('monitor live traffic (HEP, an interface, or a pcap stream on stdin) and serve /metrics, /healthz and /api until stopped')
    .argument('[source]', '"-": a live pcap/pcapng stream on stdin (tcpdump -U -w - | voipready monitor -)')
    .option('--report <file>', 'write the report of the run so far to this file as JSON: on SIGUSR1, every --report-interval, and when it stops')
    .option('--report-interval <duration>', 'with --report: also write it this often (seconds, or 30s, 5m, 1h)')
    .option('--json', 'print the final report as JSON instead of text');
  addRecordOptions(cmd);
  addSharedOptions(cmd, 'hep', 'capture', 'serve', 'settings', 'remoteWrite').action(exitCodeOf(runMonitor));
}

/** a running record source: its stream ends when the capture does */
interface RecordSource {
  name: string;
  ended: Promise<unknown>;
  stop(): Promise<void>;
}

interface SourceHealth {
  lastPacketMs: number | null;
  /** per live source (hep, interface, stdin): when it last delivered a packet, ms since the epoch */
  lastBySource: Map<string, number>;
  capture: CaptureSource | null;
}

export async function runMonitor(source: string | undefined, opts: MonitorOptions): Promise<number> {
  if (source !== undefined && source !== '-') throw new VoipreadyError('E_USAGE', `monitor reads live sources only: "-" (stdin), --hep-listen or --interface; for a file use analyze or replay ("${source}")`);
  const hep = hepConfigFrom(opts);
  const capture = captureConfigFrom(opts);
  if (hep === null && capture === null && source !== '-') throw new VoipreadyError('E_USAGE', 'monitor needs a live source: --hep-listen host:port, --interface IF or "-" (stdin)');
  const serve = serveConfigFrom(opts);
  const recordConfig = recordConfigFrom(opts);
  const settings = settingsFromOptions(opts);
  const label = [hep ? `hep:${hep.listen.host}:${hep.listen.port}` : '', ...(capture?.interfaces.map((i) => `if:${i}`) ?? []), source === '-' ? '(stdin)' : ''].filter((x) => x !== '').join(' ');
  const analyzer = new Analyzer({ file: label, settings });
  const metrics = createMetrics({ settings, defaultMetrics: true, ...(serve.localNetworks ? { localNetworks: serve.localNetworks } : {}) });
  analyzer.addListener(metrics.listener);
  metrics.attach(analyzer.view);
  // --record: HEP's datagrams as they enter the analysis, captured frames as read (startCapture, startStdin)
  const recording = recordConfig === null ? null : new Recording(recordConfig, (m) => process.stderr.write(`voipready: ${m}\n`));
  recording?.tapDatagrams(analyzer);
  const pusher = startRemoteWrite(opts, settings, metrics.registry, analyzer, 'capture');
  const health: SourceHealth = { lastPacketMs: null, lastBySource: new Map(), capture: null };
  registerSourceHealth(metrics.registry, () => health.lastBySource);
  registerHeldObjects(metrics.registry, () => analyzer.held());
  const stopReports = startReportWriter(opts, analyzer);
  const offHup = reloadOnHup(() => settingsFromOptions(opts), analyzer, metrics.registry, opts.config ?? 'the settings');
  let finalReport: AnalysisReport | null = null;
  const server = await startServer({
    registry: metrics.registry,
    view: () => analyzer.view,
    report: () => finalReport,
    listen: serve.listen,
    health: () => healthOf(health),
    ...(serve.auth ? { auth: serve.auth } : {}),
  });
  let collector: HepCollector | null = null;
  const records: RecordSource[] = [];
  const clock = startWallClock(analyzer);
  const findings: { raise: ((f: Finding) => void) | null } = { raise: null };
  analyzer.addListener({ onAttach: (ctx) => (findings.raise = (f) => ctx.raise(f)) });
  const marker = new CaptureDropMarker();
  analyzer.addListener(marker);
  try {
    process.stderr.write(`voipready: serving http://${server.address}/metrics\n`);
    if (hep !== null) {
      collector = await startCollector(hep, analyzer, metrics.registry, health);
      process.stderr.write(`voipready: collecting HEP on udp+tcp ${collector.address}${hep.forward ? `, forwarding to ${hep.forward.host}:${hep.forward.port}` : ''}\n`);
    }
    if (capture !== null) {
      health.capture = startCapture(capture, { analyzer, recording, marker, metrics: createCaptureMetrics(metrics.registry, capture.interfaces), seen: () => seen(health, 'interface') });
      records.push(health.capture);
    }
    if (source === '-') records.push(startStdin(analyzer, health, recording));
    const why = await Promise.race([waitForShutdown(null), ...records.map((r) => r.ended.then(() => `end of ${r.name}`))]);
    process.stderr.write(`voipready: ${why}: stopping\n`);
  } finally {
    clock.stop();
    stopReports();
    offHup();
    await collector?.close();
    for (const r of records) await r.stop();
    await recording?.close();
    for (const d of health.capture?.health.drops ?? []) {
      if (d.dropped + d.ifDropped > 0) findings.raise?.(dropFinding(d, marker.streams));
    }
    finalReport = analyzer.finish(label);
    await pusher?.stop();
    await server.close();
  }
  const failed: VoipreadyError[] = [];
  const reportFile = opts.report;
  if (reportFile !== undefined) await keepOutputError(failed, () => writeOutputFile(reportFile, toJson(finalReport, { series: false }) + '\n', 'the report (--report)'));
  if (opts.json === true) process.stdout.write(toJson(finalReport, { series: false }) + '\n');
  else process.stdout.write(renderText(finalReport, { color: false }));
  return reportOutputErrors(failed, (health.capture?.health.exit ?? 0) !== 0 ? 4 : 0);
}

/** --report FILE written on SIGUSR1 and every --report-interval seconds (the run so far); returns the stop */
function startReportWriter(opts: MonitorOptions, analyzer: Analyzer): () => void {
  const file = opts.report;
  if (file === undefined) {
    if (opts.reportInterval !== undefined) throw new VoipreadyError('E_USAGE', '--report-interval needs --report FILE');
    return () => undefined;
  }
  const write = (): void => {
    try {
      writeFileSync(file, toJson(analyzer.view.report(), { series: false }) + '\n');
    } catch (err) {
      // a periodic write may fail for a while (a full disk): said, and the run goes on
      process.stderr.write(`voipready: ${file}: cannot write the report (--report): ${writeFailure(err)}\n`);
    }
  };
  const off = onReportSignal(write);
  let timer: NodeJS.Timeout | null = null;
  if (opts.reportInterval !== undefined) {
    timer = setInterval(write, durationOption(opts.reportInterval, '--report-interval'));
    timer.unref();
  }
  return () => {
    off();
    if (timer !== null) clearInterval(timer);
  };
}

/** the report says so when the capture dropped: its loss figures may include the capture's own */
function dropFinding(d: ConfiguredDrops, streams: CaptureDropMarker['streams']): Finding {
  const marked = streams.marked + streams.unlisted === 0 ? ''
    : `; ${streams.marked + streams.unlisted} streams were measured while it dropped (${streams.marked} listed as CAPTURE_DROPPED_STREAM${streams.unlisted > 0 ? `, ${streams.unlisted} more not listed` : ''})`;
  return {
    severity: 'warn',
    code: 'CAPTURE_DROPPED',
    message: `the capture on ${d.configured} dropped ${d.dropped} packets in the kernel and ${d.ifDropped} at the interface (of ${d.received} received): loss figures may include packets the capture missed${marked}`,
    measured: d.dropped + d.ifDropped,
    unit: 'packets',
  };
}

function seen(h: SourceHealth, source: string): void {
  const now = Date.now();
  h.lastPacketMs = now;
  h.lastBySource.set(source, now);
}

function healthOf(h: SourceHealth): Record<string, unknown> {
  return {
    lastPacketAt: h.lastPacketMs === null ? null : new Date(h.lastPacketMs).toISOString(),
    lastPacketBySource: Object.fromEntries([...h.lastBySource].map(([s, ms]) => [s, new Date(ms).toISOString()])),
    ...(h.capture ? { capture: captureHealthOf(h.capture.health, h.capture.interfaces) } : {}),
  };
}

function startStdin(analyzer: Analyzer, health: SourceHealth, recording: Recording | null): RecordSource {
  process.stdin.on('data', () => seen(health, 'stdin'));
  const name = (id: number): string => (id === 0 ? 'stdin' : `stdin#${id}`);
  const push = recording?.frames(analyzer.push.bind(analyzer), name) ?? analyzer.push.bind(analyzer);
  const ended = readCaptureStream(process.stdin, '(stdin)', push, Recording.readOptions(analyzer.readOptions(), recording, name)).then((s) => {
    if (s.error !== undefined) process.stderr.write(`voipready: ${s.error.message}\n`);
  });
  return {
    name: 'stdin',
    ended,
    stop: async () => {
      process.stdin.pause();
      process.stdin.destroy();
    },
  };
}

async function startCollector(hep: HepConfig, analyzer: Analyzer, registry: Parameters<typeof createHepMetrics>[0], health: SourceHealth): Promise<HepCollector> {
  const counters = createHepMetrics(registry, hep.maxAgents);
  try {
    return await startHepCollector({
      listen: hep.listen,
      password: hep.password,
      forward: hep.forward,
      onDatagram: (d) => {
        if (!analyzer.pushDatagram(d)) counters.error('not_ip');
      },
      onPacket: (p) => {
        seen(health, 'hep');
        counters.packet(p.agentId, p.protoType);
      },
      onError: (reason) => counters.error(reason),
    });
  } catch (err) {
    throw new VoipreadyError('E_LISTEN', `cannot collect HEP on ${hep.listen.host}:${hep.listen.port}: ${(err as Error).message}`);
  }
}
