/**
 * `voipready analyze CAPTURE` — the offline core: read a pcap/pcapng file (or stdin with "-"),
 * analyse it, and print the verdict as a terminal report or JSON; optionally write an HTML report
 * and an OpenMetrics file for backfilling Prometheus.
 */
import type { Command } from 'commander';
import { ERROR_CATALOGUE, VoipreadyError, type ErrorCode } from '../errors.js';
import type { AnalysisReport, TwoPointStream } from '../model/report.js';
import type { HtmlOptions } from '../outputs/html/heading.js';
import type { AnalysisListener } from '../pipeline/events.js';
import { analyzeSource } from '../pipeline/analyze-source.js';
import { errorJson, toJson } from '../outputs/json.js';
import { renderText } from '../outputs/text-report.js';
import { addSharedOptions, serveConfigFrom, settingsFromOptions, twoPointFromOptions, type ServeConfig, type ServeOptionValues, type SettingsCliOptions, type TwoPointCliOptions, type TwoPointConfig } from '../config/options/index.js';
import { stopOnSignal, waitForShutdown } from '../config/shutdown.js';
import { durationOption } from '../config/duration.js';
import { exitCodeOf } from './command.js';
import { exitCodeForVerdict } from './exit.js';
import { progressBar } from './progress.js';
import { keepOutputError, reportOutputErrors, writeOutputFile } from './write-output.js';
import type { LiveView } from '../pipeline/events.js';
import type { Registry } from 'prom-client';
import type { OneWayDelaySample } from '../outputs/prometheus/metrics.js';

interface AnalyzeOptions extends SettingsCliOptions, ServeOptionValues, TwoPointCliOptions {
  serve?: boolean;
  linger?: string;
  json?: boolean;
  html?: string;
  title?: string;
  customer?: string;
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
    .option('--title <text>', 'with --html: the report\'s title (default "VoIP-Ready report: <capture file name>")')
    .option('--customer <name>', 'with --html: the customer the report is for (shown with the config\'s site)')
    .option('--openmetrics <file>', 'also write timestamped OpenMetrics samples for promtool backfill')
    .option('--series', 'include per-stream time series in --json')
    .option('--strict', 'exit 2 when the verdict is warn')
    .option('--no-color', 'no ANSI colours in the terminal report')
    .option('--no-progress', 'no progress bar on stderr')
    .option('--serve', 'afterwards keep serving /metrics and /api for this capture until Ctrl-C')
    .option('--linger <duration>', 'with --serve: stop serving after this long (seconds, or 30s, 5m, 1h)');
  addSharedOptions(cmd, 'twoPoint', 'serve', 'settings').action(exitCodeOf(analyzeCommand));
}

async function analyzeCommand(capture: string, opts: AnalyzeOptions): Promise<number> {
  const settings = settingsFromOptions(opts);
  const twoPoint = twoPointFromOptions(opts, capture);
  if (opts.html === undefined && (opts.title !== undefined || opts.customer !== undefined)) throw new VoipreadyError('E_USAGE', '--title and --customer go with --html FILE');
  // checked before the analysis, which may take minutes
  const lingerSeconds = opts.linger === undefined ? null : durationOption(opts.linger, '--linger', { zero: true }) / 1000;
  const serveCfg = opts.serve === true ? serveConfigFrom(opts) : null;
  const listeners: AnalysisListener[] = [];
  const closers: Array<{ close(): Promise<void>; discard(): void }> = [];
  if (opts.openmetrics !== undefined) {
    const { createOpenMetricsWriter } = await import('../outputs/openmetrics.js');
    const w = createOpenMetricsWriter(opts.openmetrics, settings);
    listeners.push(w.listener);
    closers.push(w);
  }
  let registry: Registry | null = null;
  let observeDelay: ((o: OneWayDelaySample) => void) | null = null;
  let view: LiveView | null = null;
  let attach: ((v: LiveView) => void) | null = null;
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
  const stop = stopOnSignal();
  let report: AnalysisReport;
  try {
    report = await analyzeSource(capture, {
      settings,
      listeners,
      series: opts.series === true || opts.html !== undefined,
      signal: stop.signal,
      ...(bar ? { onProgress: bar.update } : {}),
      ...(attach !== null ? { onAnalyzer: (a: { view: LiveView }) => { view = a.view; attach?.(a.view); } } : {}),
    });
  } finally {
    stop.dispose();
  }
  bar?.done();
  if (stop.signal.aborted) {
    const why = stop.signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
    report = { ...report, input: { ...report.input, stoppedBy: why } };
    process.stderr.write(`voipready: ${why}: stopped reading after ${report.input.packets} packets; the report covers what was read\n`);
  }
  const unreadable = report.input.error !== null && report.input.packets === 0;
  if (unreadable) {
    for (const c of closers) c.discard(); // no metrics file for a capture that could not be read
    return unreadableInput(report, opts.json === true);
  }
  const failed: VoipreadyError[] = [];
  for (const c of closers) await keepOutputError(failed, () => c.close());
  if (twoPoint !== null) report = await addTwoPoint(capture, report, twoPoint, settings, observeDelay);
  const html = opts.html;
  const htmlOpts = { ...(opts.title !== undefined ? { title: opts.title } : {}), ...(opts.customer !== undefined ? { customer: opts.customer } : {}), site: settings.site };
  if (html !== undefined) await keepOutputError(failed, () => writeHtml(html, report, htmlOpts));
  if (opts.json === true) {
    process.stdout.write(toJson(report, { series: opts.series === true }) + '\n');
  } else {
    process.stdout.write(renderText(report, { color: opts.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR }));
  }
  if (serveCfg !== null && registry !== null) await serveAfterwards(serveCfg, registry, view, report, lingerSeconds);
  if (report.input.error !== null) process.stderr.write(`voipready: warning: ${report.input.error.message}\n`);
  return reportOutputErrors(failed, exitCodeForVerdict(report.verdict, opts.strict === true));
}

/** nothing could be read: exit 4 with the reason; --json carries the error, not a verdict */
function unreadableInput(report: AnalysisReport, json: boolean): number {
  const code = report.input.error!.code;
  const exit = Object.hasOwn(ERROR_CATALOGUE, code) ? ERROR_CATALOGUE[code as ErrorCode].exit : ERROR_CATALOGUE.E_FILE_OPEN.exit;
  if (json) process.stdout.write(errorJson(report, exit) + '\n');
  process.stderr.write(`voipready: ${report.input.error!.message}\n`);
  return exit;
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

async function writeHtml(path: string, report: AnalysisReport, opts: HtmlOptions): Promise<void> {
  const { renderHtmlReport } = await import('../outputs/html/render.js');
  writeOutputFile(path, renderHtmlReport(report, opts), 'the HTML report (--html)');
}

async function serveAfterwards(cfg: ServeConfig, registry: Registry, view: LiveView | null, report: AnalysisReport, seconds: number | null): Promise<void> {
  const { startServer } = await import('../outputs/server/server.js');
  const server = await startServer({ registry, view: () => view, report: () => report, listen: cfg.listen, ...(cfg.auth ? { auth: cfg.auth } : {}) });
  process.stderr.write(`voipready: serving http://${server.address}/metrics and /api (Ctrl-C to stop)\n`);
  await waitForShutdown(seconds);
  await server.close();
}
