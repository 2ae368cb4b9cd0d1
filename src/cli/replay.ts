/**
 * `voipready replay capture.pcap --serve [--speed 1|10|max] [--loop]`: feeds a capture through
 * the analysis pipeline paced by its own timestamps and serves /metrics and /api meanwhile, so
 * Grafana moves as if the traffic were live. The server keeps running after the end until
 * SIGINT/SIGTERM (or --exit-after-end / --linger SECONDS, for tests and scripts).
 */
import type { Command } from 'commander';
import { iterateCapture } from '../capture/file-source.js';
import type { CaptureRecord, CaptureSummary } from '../capture/record.js';
import { VoipreadyError } from '../errors.js';
import { durationOption } from '../config/duration.js';
import type { AnalysisReport } from '../model/report.js';
import { createMetrics } from '../outputs/prometheus/metrics.js';
import { startServer } from '../outputs/server/server.js';
import { Analyzer } from '../pipeline/analyzer.js';
import { ReplayPacer, paceRecords, parseSpeed } from '../pipeline/replay-pacer.js';
import {
  addSharedOptions, serveConfigFrom, settingsFromOptions,
  type RemoteWriteCliOptions, type ServeOptionValues, type SettingsCliOptions,
} from '../config/options/index.js';
import { waitForShutdown } from '../config/shutdown.js';
import { exitCodeOf } from './command.js';
import { startRemoteWrite } from './remote-write.js';

export interface ReplayOptions extends ServeOptionValues, SettingsCliOptions, RemoteWriteCliOptions {
  speed?: string;
  loop?: boolean;
  keepTimestamps?: boolean;
  exitAfterEnd?: boolean;
  linger?: string;
  serve?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('replay')
    .description('replay a capture paced by its timestamps and serve live-looking metrics for Prometheus/Grafana')
    .argument('<capture>', 'pcap or pcapng file')
    .option('--serve', 'serve /metrics and /api (always on for replay)')
    .option('--speed <factor>', 'pace: 1 = real time, 10 = ten times faster, max = no pacing', '1')
    .option('--loop', 'start over at the end, continuing the timeline')
    .option('--keep-timestamps', 'keep the capture\'s own timestamps (default: shift the first packet to now)')
    .option('--exit-after-end', 'stop serving once the capture has been replayed')
    .option('--linger <duration>', 'keep serving this long after the end, then stop (seconds, or 30s, 5m, 1h)');
  addSharedOptions(cmd, 'serve', 'settings', 'remoteWrite').action(exitCodeOf(runReplay));
}

/** the replay/serve run; resolves with the exit code (0); usage and config errors are thrown as VoipreadyError */
export async function runReplay(capture: string | null, opts: ReplayOptions): Promise<number> {
  const speed = parseSpeed(opts.speed ?? '1');
  const linger = parseLinger(opts);
  const serve = serveConfigFrom(opts);
  const settings = settingsFromOptions(opts);
  // as analyze: a capture that cannot be read at all is an input error (exit 4), before anything is served
  if (capture !== null) await checkReadable(capture);
  const analyzer = new Analyzer({ file: capture ?? '(none)', settings });
  const metrics = createMetrics({ settings, defaultMetrics: true, ...(serve.localNetworks ? { localNetworks: serve.localNetworks } : {}) });
  analyzer.addListener(metrics.listener);
  metrics.attach(analyzer.view);
  const pusher = startRemoteWrite(opts, settings, metrics.registry, analyzer, capture === null ? 'wall' : 'capture');
  let finalReport: AnalysisReport | null = null;
  const server = await startServer({
    registry: metrics.registry,
    view: () => analyzer.view,
    report: () => finalReport,
    listen: serve.listen,
    ...(serve.auth ? { auth: serve.auth } : {}),
  });
  process.stderr.write(`voipready: serving http://${server.address}/metrics\n`);
  const stop = new AbortController();
  const shutdown = waitForShutdown(null, stop.signal).then((why) => {
    stop.abort();
    return why;
  });
  try {
    if (capture !== null) {
      finalReport = await replayCapture(capture, analyzer, speed, opts, stop.signal);
      process.stderr.write(`voipready: replay of ${capture} finished: ${finalReport.streams.length} streams, verdict ${finalReport.verdict}\n`);
      if (finalReport.input.error !== null) process.stderr.write(`voipready: warning: ${finalReport.input.error.message}\n`);
    }
    if (opts.exitAfterEnd !== true && !stop.signal.aborted) {
      await Promise.race([shutdown, ...(linger === null ? [] : [new Promise((r) => setTimeout(r, linger * 1000))])]);
    }
  } finally {
    stop.abort();
    await shutdown;
    await pusher?.stop();
    await server.close();
  }
  return 0;
}

async function replayCapture(path: string, analyzer: Analyzer, speed: number, opts: ReplayOptions, signal: AbortSignal): Promise<AnalysisReport> {
  const pacer = new ReplayPacer({ speed, keepTimestamps: opts.keepTimestamps === true });
  const summary: CaptureSummary = { file: path, format: 'unknown', records: 0, bytes: 0, linkTypes: [] };
  const push = (rec: CaptureRecord): void => {
    summary.records += 1;
    summary.bytes += rec.capLen;
    if (!summary.linkTypes.includes(rec.linkType)) summary.linkTypes.push(rec.linkType);
    analyzer.push(rec);
  };
  for (let pass = 0; ; pass++) {
    if (pass > 0) pacer.newPass();
    const records = iterateCapture(path);
    const completed = await paceRecords(records, pacer, push, signal);
    // where the first pass stopped (a capture truncated after some packets): reported as analyze does
    if (pass === 0 && records.summary?.error !== undefined) summary.error = records.summary.error;
    if (!completed || opts.loop !== true || summary.error !== undefined) break;
  }
  return analyzer.end(summary);
}

/** throws the reader's error (E_FILE_OPEN, E_CAPTURE_*: exit 4, file and offset named) when not one record can be read */
async function checkReadable(path: string): Promise<void> {
  const records = iterateCapture(path, { chunkSize: 64 * 1024 });
  const first = await records.next();
  if (first.done !== true) {
    await records.return(undefined as never);
    return;
  }
  const error = records.summary?.error;
  if (error instanceof VoipreadyError) throw error;
}

function parseLinger(opts: ReplayOptions): number | null {
  return opts.linger === undefined ? null : durationOption(opts.linger, '--linger', { zero: true }) / 1000;
}
