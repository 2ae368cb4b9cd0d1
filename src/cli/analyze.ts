/**
 * `voipready analyze CAPTURE` — the offline core: read a pcap/pcapng file (or stdin with "-"),
 * analyse it, and print the verdict as a terminal report or JSON; optionally write an HTML report
 * and an OpenMetrics file for backfilling Prometheus.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ERROR_CATALOGUE, VoipreadyError, type ErrorCode } from '../errors.js';
import type { AnalysisReport, TwoPointStream } from '../model/report.js';
import type { AnalysisListener } from '../pipeline/events.js';
import { analyzeSource } from '../pipeline/analyze-source.js';
import { toJson } from '../outputs/json.js';
import { renderText } from '../outputs/text-report.js';
import { addSharedOptions, serveConfigFrom, settingsFromOptions, twoPointFromOptions, type ServeConfig, type ServeOptionValues, type SettingsCliOptions, type TwoPointCliOptions, type TwoPointConfig } from '../config/options/index.js';
import { waitForShutdown } from '../config/shutdown.js';
import { exitCodeOf } from './command.js';
import { exitCodeForVerdict } from './exit.js';
import { progressBar } from './progress.js';
import type { LiveView } from '../pipeline/events.js';
import type { Registry } from 'prom-client';
import type { OneWayDelaySample } from '../outputs/prometheus/metrics.js';

interface AnalyzeOptions extends SettingsCliOptions, ServeOptionValues, TwoPointCliOptions {
  serve?: boolean;
  linger?: string;
  json?: boolean;
  html?: string;
  openmetrics?: string;
  series?: boolean;
  strict?: boolean;
  color?: boolean;
  progress?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('analyze')
    .description('analyse a pcap/pcapng capture ("-" reads stdin) and give the VoIP-Ready verdict')
    .argument('<capture>', 'capture file (pcap or pcapng), or - for standard input')
    .option('--json', 'print the report as one JSON object (documented in the README)')
    .option('--html <file>', 'also write a self-contained HTML report to <file>')
    .option('--openmetrics <file>', 'also write timestamped OpenMetrics samples for promtool backfill')
    .option('--series', 'include per-stream time series in --json')
    .option('--strict', 'exit 2 when the verdict is warn')
    .option('--no-color', 'no ANSI colours in the terminal report')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--serve', 'afterwards keep serving /metrics and /api for this capture until Ctrl-C')
    .option('--linger <seconds>', 'with --serve: stop serving after this many seconds');
  addSharedOptions(cmd, 'twoPoint', 'serve', 'settings').action(exitCodeOf(analyzeCommand));
}

async function analyzeCommand(capture: string, opts: AnalyzeOptions): Promise<number> {
  const settings = settingsFromOptions(opts);
  const twoPoint = twoPointFromOptions(opts, capture);
  const listeners: AnalysisListener[] = [];
  const closers: Array<() => Promise<void>> = [];
  if (opts.openmetrics !== undefined) {
    const { createOpenMetricsWriter } = await import('../outputs/openmetrics.js');
    const w = createOpenMetricsWriter(opts.openmetrics, settings);
    listeners.push(w.listener);
    closers.push(w.close);
  }
  let registry: Registry | null = null;
  let observeDelay: ((o: OneWayDelaySample) => void) | null = null;
  let view: LiveView | null = null;
  let attach: ((v: LiveView) => void) | null = null;
  const serveCfg = opts.serve === true ? serveConfigFrom(opts) : null;
  if (serveCfg !== null) {
    const { createMetrics } = await import('../outputs/prometheus/metrics.js');
    const metrics = createMetrics({ settings, defaultMetrics: true, ...(serveCfg.localNetworks ? { localNetworks: serveCfg.localNetworks } : {}) });
    listeners.push(metrics.listener);
    registry = metrics.registry;
    observeDelay = metrics.observeOneWayDelay;
    attach = metrics.attach;
  }
  const showProgress = opts.progress !== false && process.stderr.isTTY === true && capture !== '-';
  const bar = showProgress ? progressBar(process.stderr) : null;
  let report = await analyzeSource(capture, {
    settings,
    listeners,
    series: opts.series === true || opts.html !== undefined,
    ...(bar ? { onProgress: bar.update } : {}),
    ...(attach !== null ? { onAnalyzer: (a: { view: LiveView }) => { view = a.view; attach?.(a.view); } } : {}),
  });
  bar?.done();
  for (const close of closers) await close();
  if (twoPoint !== null && !(report.input.error !== null && report.input.packets === 0)) report = await addTwoPoint(capture, report, twoPoint, settings, observeDelay);
  if (opts.html !== undefined) await writeHtml(opts.html, report);
  const unreadable = report.input.error !== null && report.input.packets === 0;
  if (unreadable && opts.json !== true) {
    process.stderr.write(`voipready: ${report.input.error!.message}\n`);
    return 4;
  }
  if (opts.json === true) {
    process.stdout.write(toJson(report, { series: opts.series === true }) + '\n');
  } else {
    process.stdout.write(renderText(report, { color: opts.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR }));
  }
  if (serveCfg !== null && registry !== null) await serveAfterwards(serveCfg, registry, view, report, opts.linger);
  if (unreadable) {
    process.stderr.write(`voipready: ${report.input.error!.message}\n`);
    return 4;
  }
  if (report.input.error !== null) process.stderr.write(`voipready: warning: ${report.input.error.message}\n`);
  return exitCodeForVerdict(report.verdict, opts.strict === true);
}

/** --peer: analyse the peer capture (for its stream ids), match the two, grade the result */
async function addTwoPoint(capture: string, report: AnalysisReport, cfg: TwoPointConfig, settings: ReturnType<typeof settingsFromOptions>, observeDelay: ((o: OneWayDelaySample) => void) | null): Promise<AnalysisReport> {
  const peer = await analyzeSource(cfg.peer, { settings });
  if (peer.input.error !== null && peer.input.packets === 0) {
    const code = peer.input.error.code as ErrorCode;
    const message = peer.input.error.message.includes(cfg.peer) ? peer.input.error.message : `${cfg.peer}: ${peer.input.error.message}`;
    throw new VoipreadyError(code in ERROR_CATALOGUE ? code : 'E_FILE_OPEN', `--peer: ${message}`);
  }
  const { matchTwoPoint } = await import('../pipeline/two-point-source.js');
  const { withTwoPoint } = await import('../verdict/two-point-checks.js');
  const codecOf = new Map(report.streams.map((s) => [s.id, s.codec]));
  const onDelays = observeDelay === null ? undefined : (s: TwoPointStream, visit: (each: (ms: number, count: number) => void) => void): void => {
    const codec = (s.streamIdA === null ? undefined : codecOf.get(s.streamIdA)) ?? 'unknown';
    const [src, dst] = s.direction === 'A->B' ? [s.srcA, s.dstA] : [s.srcB, s.dstB];
    visit((ms, count) => observeDelay({ src, dst, codec, method: 'two-point', seconds: ms / 1000, count }));
  };
  const tp = matchTwoPoint({ fileA: capture, fileB: cfg.peer, clockOffsetMs: cfg.clockOffsetMs, streamsA: report.streams, streamsB: peer.streams, ...(onDelays ? { onDelays } : {}) });
  return withTwoPoint(report, tp);
}

async function writeHtml(path: string, report: AnalysisReport): Promise<void> {
  const { renderHtmlReport } = await import('../outputs/html/render.js');
  try {
    writeFileSync(path, renderHtmlReport(report));
  } catch (err) {
    throw new VoipreadyError('E_FILE_OPEN', `cannot write the HTML report: ${(err as Error).message}`, { file: path });
  }
}

async function serveAfterwards(cfg: ServeConfig, registry: Registry, view: LiveView | null, report: AnalysisReport, linger: string | undefined): Promise<void> {
  const { startServer } = await import('../outputs/server/server.js');
  const seconds = linger === undefined ? null : Number(linger);
  if (seconds !== null && !(seconds >= 0)) throw new VoipreadyError('E_USAGE', `--linger "${linger}" must be a number of seconds >= 0`);
  const server = await startServer({ registry, view: () => view, report: () => report, listen: cfg.listen, ...(cfg.auth ? { auth: cfg.auth } : {}) });
  process.stderr.write(`voipready: serving http://${server.address}/metrics and /api (Ctrl-C to stop)\n`);
  await waitForShutdown(seconds);
  await server.close();
}
