/**
 * `voipready probe reflect --listen :862` and `voipready probe send --to host:862 --codec g711
 * --duration 60s --dscp ef`: the active STAMP probe (RFC 8762 with the RFC 8972 Class-of-Service TLV)
 * between two sites. `send` prints the same report as `analyze` (text or --json, --html), with the
 * figures in `probe`; with --serve it serves /metrics (voipready_probe_*) and /api/report while it
 * runs, and --remote-write pushes the metrics, so a probe can run for days (--duration 0).
 * In these commands --listen is the STAMP address of the reflector; the HTTP server's is --http-listen.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { writeOutputFile } from './write-output.js';
import { Registry } from 'prom-client';
import { VoipreadyError } from '../errors.js';
import { durationOption } from '../config/duration.js';
import type { AnalysisReport } from '../model/report.js';
import { buildReport } from '../pipeline/build-report.js';
import { Analyzer } from '../pipeline/analyzer.js';
import {
  addSharedOptions, parseListen, serveConfigFrom, settingsFromOptions, type RemoteWriteCliOptions, type SettingsCliOptions,
} from '../config/options/index.js';
import type { Settings } from '../config/settings.js';
import { waitForShutdown } from '../config/shutdown.js';
import { toJson } from '../outputs/json.js';
import { renderText } from '../outputs/text-report.js';
import { PROBE_CODECS } from '../probe/codecs.js';
import { probeFindings, probeVerdict } from '../probe/findings.js';
import type { ProbeStats } from '../probe/figures.js';
import { startReflector } from '../probe/reflector.js';
import { runSender } from '../probe/sender.js';
import { addonProblem, loadAddon, nowMs } from '../probe/socket.js';
import { exitCodeOf } from './command.js';
import { exitCodeForVerdict } from './exit.js';
import { startRemoteWrite } from './remote-write.js';

interface ProbeCommonOptions extends SettingsCliOptions, RemoteWriteCliOptions {
  auth?: boolean;
  authKeyFile?: string;
  serve?: boolean;
  httpListen?: string;
  bearerTokenFile?: string;
  basicAuthFile?: string;
}

interface SendOptions extends ProbeCommonOptions {
  to: string;
  codec: string;
  duration: string;
  dscp: string;
  json?: boolean;
  html?: string;
  strict?: boolean;
  color?: boolean;
}

interface ReflectOptions extends ProbeCommonOptions {
  listen: string;
  maxSessions: string;
  rate: string;
}

const DSCP_NAMES: Record<string, number> = {
  be: 0, df: 0, cs0: 0, cs1: 8, af11: 10, af12: 12, af13: 14, cs2: 16, af21: 18, af22: 20, af23: 22, cs3: 24, af31: 26,
  af32: 28, af33: 30, cs4: 32, af41: 34, af42: 36, af43: 38, cs5: 40, va: 44, ef: 46, cs6: 48, cs7: 56,
};

export function parseDscp(text: string): number {
  const named = DSCP_NAMES[text.toLowerCase()];
  if (named !== undefined) return named;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 63) throw new VoipreadyError('E_USAGE', `--dscp "${text}": a name (ef, af41, cs3, ...) or 0..63`);
  return n;
}

/** "60s", "5m", "1h30m", "2d", "1500ms", "0" (forever), in ms (src/config/duration.ts) */
export function parseDuration(text: string): number {
  return durationOption(text, '--duration', { zero: true });
}

function authKey(opts: ProbeCommonOptions): Uint8Array | null {
  if (opts.auth !== true) return null;
  if (opts.authKeyFile === undefined) throw new VoipreadyError('E_USAGE', '--auth needs --auth-key-file (the shared key, agreed out of band)');
  try {
    return Buffer.from(readFileSync(opts.authKeyFile, 'utf8').trim(), 'utf8');
  } catch (err) {
    throw new VoipreadyError('E_CONFIG', `--auth-key-file: cannot read: ${(err as Error).message}`, { file: opts.authKeyFile });
  }
}

function addCommon(cmd: Command): Command {
  cmd
    .option('--auth', 'authenticated mode (RFC 8762 4.4: HMAC-SHA-256 over each packet)')
    .option('--auth-key-file <path>', 'the shared HMAC key for --auth')
    .option('--serve', 'serve /metrics and /api/report while running')
    .option('--http-listen <host:port>', 'address of the HTTP server with --serve (default 127.0.0.1:9464)')
    .option('--bearer-token-file <path>', 'require "Authorization: Bearer <token>" on the HTTP server')
    .option('--basic-auth-file <path>', 'require HTTP basic auth ("user:password" in the file)');
  return addSharedOptions(cmd, 'settings', 'remoteWrite');
}

export function register(program: Command): void {
  const probe = program.command('probe').description('active STAMP probe (RFC 8762/8972): voice-shaped test stream, one-way delay, loss, jitter and DSCP per direction');
  const send = probe.command('send')
    .description('send a voice-shaped STAMP stream to a reflector and report round trip, one-way delay, jitter, loss and DSCP per direction')
    .requiredOption('--to <host:port>', 'the session-reflector (voipready probe reflect, or any RFC 8762 reflector)')
    .option('--codec <name>', `voice shape: ${Object.keys(PROBE_CODECS).join(', ')}`, 'g711')
    .option('--duration <duration>', 'how long: 60s, 10m, 1h30m, 2d (plain number: seconds); 0 = until Ctrl-C', '60s')
    .option('--dscp <dscp>', 'DSCP to send with and to ask back (ef, af41, cs3, or 0..63)', 'ef')
    .option('--json', 'print the report as one JSON object')
    .option('--html <file>', 'also write the HTML report')
    .option('--strict', 'exit 2 when the verdict is warn')
    .option('--no-color', 'no ANSI colours');
  addCommon(send).action(exitCodeOf(sendCommand));
  const reflect = probe.command('reflect')
    .description('answer STAMP test packets (stateful session-reflector with the Class-of-Service TLV)')
    .option('--listen <host:port>', 'UDP address to reflect on', ':862')
    .option('--max-sessions <n>', 'sessions kept at once (least recently used forgotten)', '1024')
    .option('--rate <pps>', 'packets per second per session at most (the rest dropped)', '1000');
  addCommon(reflect).action(exitCodeOf(reflectCommand));
}

function parseTarget(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  if (m === null || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new VoipreadyError('E_USAGE', `--to "${text}": expected host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

async function startHttp(opts: ProbeCommonOptions, registry: Registry, report: () => AnalysisReport | null) {
  if (opts.serve !== true) return null;
  const { startServer } = await import('../outputs/server/server.js');
  const cfg = serveConfigFrom({ ...(opts.httpListen !== undefined ? { listen: opts.httpListen } : {}), ...(opts.bearerTokenFile !== undefined ? { bearerTokenFile: opts.bearerTokenFile } : {}), ...(opts.basicAuthFile !== undefined ? { basicAuthFile: opts.basicAuthFile } : {}) });
  const server = await startServer({ registry, view: () => null, report, listen: cfg.listen, ...(cfg.auth ? { auth: cfg.auth } : {}) });
  process.stderr.write(`voipready: serving http://${server.address}/metrics\n`);
  return server;
}

export function probeReport(stats: ProbeStats, settings: Settings, final: boolean): AnalysisReport {
  const probe = stats.toReport(nowMs(), final);
  const r = buildReport({
    settings,
    input: {
      file: `stamp://${probe.target}`, format: 'live', packets: probe.packetsSent + probe.packetsReceived, bytes: 0,
      durationSeconds: probe.durationSeconds, startTime: probe.startTime, endTime: new Date().toISOString(), linkTypes: [], decodeErrors: 0, error: null,
    },
    streams: [], calls: [], link: null, findings: [], probe,
  });
  const findings = probeFindings(probe, settings.thresholds);
  return { ...r, findings, ...probeVerdict(probe, settings.thresholds, findings) };
}

async function sendCommand(opts: SendOptions): Promise<number> {
  const settings = settingsFromOptions(opts);
  const target = parseTarget(opts.to);
  const codec = PROBE_CODECS[opts.codec.toLowerCase()];
  if (codec === undefined) throw new VoipreadyError('E_USAGE', `--codec "${opts.codec}": one of ${Object.keys(PROBE_CODECS).join(', ')}`);
  const durationMs = parseDuration(opts.duration);
  const dscp = parseDscp(opts.dscp);
  const key = authKey(opts);
  if (loadAddon() === null) process.stderr.write(`voipready: DSCP cannot be set or read: ${addonProblem()}\n`);
  const registry = new Registry();
  const { createMetrics } = await import('../outputs/prometheus/metrics.js');
  const { ProbeMetrics } = await import('../outputs/prometheus/probe-metrics.js');
  const streamMetrics = createMetrics({ registry, settings, defaultMetrics: opts.serve === true });
  const metrics = new ProbeMetrics(registry, settings);
  // the probe's one-way delays also go where every other method's go (method="stamp"); the far end is the peer
  const far = target.host.replace(/^\[|\]$/g, '');
  // the codec label of the RTP stream the probe is shaped like (G.711 shape: PCMU's size and interval)
  const shapedLike = ({ g711: 'PCMU', g711_30: 'PCMU', g722: 'G722', g729: 'G729', opus: 'opus' } as Record<string, string>)[opts.codec.toLowerCase()] ?? 'other';
  const observeStamp = (forwardMs: number, backwardMs: number): void => {
    streamMetrics.observeOneWayDelay({ src: '', dst: far, codec: shapedLike, method: 'stamp', seconds: forwardMs / 1000, direction: 'outbound' });
    streamMetrics.observeOneWayDelay({ src: far, dst: '', codec: shapedLike, method: 'stamp', seconds: backwardMs / 1000, direction: 'inbound' });
  };
  let stats: ProbeStats | null = null;
  const server = await startHttp(opts, registry, () => (stats === null ? null : probeReport(stats, settings, false)));
  const pusher = startRemoteWrite(opts, settings, registry, new Analyzer({ file: '(probe)', settings }), 'wall');
  const stop = new AbortController();
  const shutdown = waitForShutdown(null, stop.signal).then(() => stop.abort());
  let lossTick = 0;
  try {
    stats = await runSender({
      ...target, codecKey: opts.codec.toLowerCase(), codec, durationMs, dscp, mode: key === null ? 'unauthenticated' : 'authenticated', key,
      signal: stop.signal,
      onSent: (s) => {
        stats = s;
        metrics.packetSent();
        if (++lossTick % 50 === 0) metrics.losses(s.losses(nowMs()));
      },
      onSample: (sample, s) => {
        const clocksOk = sample.forwardMs >= -0.5 && sample.backwardMs >= -0.5 && s !== null;
        metrics.sample(sample, clocksOk);
        if (clocksOk) observeStamp(sample.forwardMs, sample.backwardMs);
      },
    });
    metrics.losses(stats.losses(nowMs(), true));
  } finally {
    stop.abort();
    await shutdown;
    await pusher?.stop();
    await server?.close();
  }
  const report = probeReport(stats, settings, true);
  if (opts.html !== undefined) {
    const { renderHtmlReport } = await import('../outputs/html/render.js');
    writeOutputFile(opts.html, renderHtmlReport(report), 'the HTML report (--html)');
  }
  process.stdout.write(opts.json === true ? toJson(report, { series: false }) + '\n' : renderText(report, { color: opts.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR }));
  return exitCodeForVerdict(report.verdict, opts.strict === true);
}

async function reflectCommand(opts: ReflectOptions): Promise<number> {
  const settings = settingsFromOptions(opts);
  const listen = parseListen(opts.listen.startsWith(':') ? `0.0.0.0${opts.listen}` : opts.listen);
  const key = authKey(opts);
  if (loadAddon() === null) process.stderr.write(`voipready: DSCP cannot be set or read: ${addonProblem()}\n`);
  const registry = new Registry();
  const { createMetrics } = await import('../outputs/prometheus/metrics.js');
  createMetrics({ registry, settings, defaultMetrics: opts.serve === true });
  const reflector = await startReflector({
    address: listen.host, port: listen.port, mode: key === null ? 'unauthenticated' : 'authenticated', key,
    maxSessions: Number(opts.maxSessions), maxPacketsPerSecond: Number(opts.rate),
    log: (line) => process.stderr.write(`voipready: ${line}\n`),
  });
  process.stderr.write(`voipready: STAMP reflector on ${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${reflector.port} (${key === null ? 'unauthenticated' : 'authenticated'}${reflector.counters().dscpCapable ? '' : ', DSCP unknown'})\n`);
  const server = await startHttp(opts, registry, () => null);
  const pusher = startRemoteWrite(opts, settings, registry, new Analyzer({ file: '(probe)', settings }), 'wall');
  await waitForShutdown(null);
  reflector.close();
  await pusher?.stop();
  await server?.close();
  const c = reflector.counters();
  process.stderr.write(`voipready: reflector stopped: ${c.reflected} reflected, ${c.sessions} sessions, ${c.malformed} malformed, ${c.authFailures} failed authentication, ${c.rateLimited} rate-limited\n`);
  return 0;
}
