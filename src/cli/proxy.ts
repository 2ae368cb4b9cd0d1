/**
 * `voipready proxy --listen 0.0.0.0:5060 --upstream pbx.example:5060 --rtp-ports 40000-40999 [--serve
 * --listen-http 127.0.0.1:9464]`: an inline SIP proxy with media anchoring. Calls between the phones
 * and the upstream keep working while every SIP message and every relayed RTP/RTCP packet feeds one
 * Analyzer through the datagram entry (source "proxy:sip", "proxy:a-leg" for the caller's side,
 * "proxy:b-leg" for the callee's), so the metrics, /api and the final report are those of `analyze`.
 * SIGINT/SIGTERM stop it: new calls are refused with 503, calls in progress get --grace seconds to
 * end, then media is torn down and the report of all calls is printed (and written to --report).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { keepOutputError, reportOutputErrors, writeOutputFile } from './write-output.js';
import { addSharedOptions, parseListen, serveConfigFrom, settingsFromOptions, type SettingsCliOptions } from '../config/options/index.js';
import { addRecordOptions, recordConfigFrom, type RecordOptionValues } from '../config/options/record.js';
import { onReportSignal, waitForShutdown } from '../config/shutdown.js';
import { VoipreadyError, writeFailure } from '../errors.js';
import { durationOption } from '../config/duration.js';
import type { AnalysisReport, ProxyReport, ProxyUpstreamReport } from '../model/report.js';
import { toJson } from '../outputs/json.js';
import { createMetrics } from '../outputs/prometheus/metrics.js';
import { registerHeldObjects } from '../outputs/prometheus/monitor-metrics.js';
import { createProxyMetrics } from '../outputs/prometheus/proxy-metrics.js';
import { Recording } from '../outputs/record/recording.js';
import { startServer } from '../outputs/server/server.js';
import { renderText } from '../outputs/text-report.js';
import { Analyzer } from '../pipeline/analyzer.js';
import { startWallClock } from '../pipeline/wall-clock.js';
import { createMediaRelay } from '../proxy/media/create-relay.js';
import type { MediaRelay, RelayedPacket, RelayPriority } from '../proxy/media/relay.js';
import { AddedDelay } from '../proxy/added-delay.js';
import { LocalAddresses } from '../proxy/sip/local-address.js';
import { SipProxy, type SipProxyOptions, type TearDownResult } from '../proxy/sip/sip-proxy.js';
import { describeUpstreams, upstreamsOf } from './proxy-upstreams.js';
import { SipTransports, type Flow, type InboundSip, type TlsListen } from '../proxy/sip/transport.js';
import { exitCodeOf } from './command.js';
import { startLiveScreen } from './live-screen.js';
import { reloadOnHup } from './reload-on-hup.js';
import { LegRttTracker } from '../proxy/leg-rtt.js';
import { LegOfSource, hasProxyDelay, proxyDelaySamples, proxyStreamRefiner } from '../proxy/proxied-report.js';
import type { ProxyDelayParts } from '../measure/proxy-delay.js';

/** how long the proxy waits for the answers to its own BYEs and CANCELs at shutdown */
const TEARDOWN_ANSWER_MS = 2000;

export interface ProxyOptions extends SettingsCliOptions, RecordOptionValues {
  listen: string;
  upstream: string[];
  upstreamTransport: string;
  upstreamTimeout: string;
  upstreamHoldDown: string;
  upstreamProbe?: string;
  rtpPorts: string;
  rtpBind?: string;
  advertise?: string;
  domain: string[];
  sipDscp: string;
  rtpDscp: string;
  learnMs: string;
  sipRateLimit: string;
  mediaTimeout: string;
  grace: string;
  relay: string;
  relayPriority: string;
  live?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsPort?: string;
  serve?: boolean;
  listenHttp?: string;
  report?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('proxy')
    .description('an inline SIP proxy with media anchoring: calls keep working, each one is measured live in both directions')
    .option('--listen <host:port>', 'SIP side: UDP and TCP', '0.0.0.0:5060')
    .option('--upstream <[domain=][udp:|tcp:]host:port>', 'a PBX or SIP trunk client requests go to (required; repeatable: in order, the failover list; domain=: requests for that domain)', collect, [])
    .option('--upstream-transport <udp|tcp>', 'transport toward an upstream without a udp:/tcp: prefix', 'udp')
    .option('--upstream-timeout <duration>', 'with several upstreams: a new request unanswered this long (Timer B/F) goes to the next upstream (plain number: seconds)', '5s')
    .option('--upstream-hold-down <duration>', 'an upstream that failed (timeout, TCP connect failure, 503) is skipped this long', '30s')
    .option('--upstream-probe <duration>', 'OPTIONS keepalive to each upstream this often; a failed one is back when a probe is answered after its hold-down; 0: none (default 10s with several upstreams, none with one)')
    .option('--tls-cert <file>', 'PEM certificate (chain): also accept SIP over TLS on the listen side (terminated: analysed in clear)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-port <n>', 'with --tls-cert: the TLS port (default: the SIP port + 1, 5061)')
    .option('--rtp-ports <min-max>', 'the relay\'s RTP/RTCP ports (even RTP, RTCP +1)', '40000-40999')
    .option('--rtp-bind <address>', 'address the relay binds (default: the --listen host)')
    .option('--advertise <address>', 'the address written into Via, Record-Route and SDP (default: the interface toward each peer)')
    .option('--domain <domain>', 'a SIP domain served besides the upstreams\' hosts and domains, routed to the plain upstreams (repeatable)', collect, [])
    .option('--sip-dscp <n>', 'DSCP of forwarded SIP (24 = CS3)', '24')
    .option('--rtp-dscp <n>', 'DSCP of forwarded RTP/RTCP (46 = EF)', '46')
    .option('--learn-ms <duration>', 'latching window after each offer/answer, then strict source (plain number: ms; or 3s)', '3000')
    .option('--sip-rate-limit <per-second>', 'SIP requests per second accepted from one client address (a burst of twice that); beyond, dropped and counted; 0: no limit', '100')
    .option('--media-timeout <duration>', 'an answered call without media for this long is torn down (seconds, or 90s, 2m)', '60')
    .option('--grace <duration>', 'on SIGINT/SIGTERM, how long calls in progress may go on (seconds, or 30s, 1m)', '5')
    .option('--relay <loop|native|dgram>', 'media relay: loop (native forwarding thread), native (JavaScript on the addon\'s sockets) or dgram', 'loop')
    .option('--relay-priority <realtime|high|normal>', 'scheduling of the loop relay\'s forwarding thread: realtime (SCHED_FIFO 1), high (nice -10) or normal; falls back without the privilege', 'realtime')
    .option('--serve', 'serve /metrics, /healthz and /api while running')
    .option('--listen-http <host:port>', 'with --serve: the HTTP side (default 127.0.0.1:9464)')
    .option('--report <file>', 'write the report as JSON: on SIGUSR1 and when it stops')
    .option('--json', 'print the final report as JSON instead of text')
    .option('--no-live', 'no live summary on the terminal (it is shown only when stderr is a TTY)');
  addRecordOptions(cmd);
  addSharedOptions(cmd, 'settings').action(exitCodeOf((opts: ProxyOptions) => runProxy(opts)));
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function intOption(text: string, name: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new VoipreadyError('E_USAGE', `${name} "${text}" must be a whole number from ${min} to ${max}`);
  return n;
}

function portRange(text: string): { portMin: number; portMax: number } {
  const m = /^(\d+)-(\d+)$/.exec(text);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (m === null || !(lo >= 1024 && hi <= 65535 && hi - lo >= 3)) throw new VoipreadyError('E_USAGE', `--rtp-ports "${text}" must be MIN-MAX within 1024-65535, at least 4 ports`);
  return { portMin: lo, portMax: hi };
}

/** the TLS side, when a certificate is given: both files read now, so a wrong path fails at start */
function tlsOf(opts: ProxyOptions, sipPort: number): TlsListen | null {
  if (opts.tlsCert === undefined && opts.tlsKey === undefined) return null;
  if (opts.tlsCert === undefined || opts.tlsKey === undefined) throw new VoipreadyError('E_USAGE', 'TLS needs both --tls-cert and --tls-key');
  const read = (file: string, what: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new VoipreadyError('E_USAGE', `${what} ${file}: ${(err as Error).message}`);
    }
  };
  const port = opts.tlsPort === undefined ? (sipPort === 0 ? 0 : sipPort + 1) : intOption(opts.tlsPort, '--tls-port', 0, 65535);
  return { cert: read(opts.tlsCert, '--tls-cert'), key: read(opts.tlsKey, '--tls-key'), port };
}

/** the SipProxy's upstream options: the list, Timer B/F of an attempt, the hold-down and the probe interval */
async function upstreamOptionsOf(opts: ProxyOptions): Promise<Pick<SipProxyOptions, 'upstreams' | 'upstreamTimeoutMs' | 'holdDownMs' | 'probeIntervalMs'>> {
  const upstreams = await upstreamsOf(opts.upstream, opts.upstreamTransport);
  const upstreamTimeoutMs = durationOption(opts.upstreamTimeout, '--upstream-timeout', { maxMs: 32_000 });
  const holdDownMs = durationOption(opts.upstreamHoldDown, '--upstream-hold-down', { zero: true, maxMs: 86_400_000 });
  const probeIntervalMs = opts.upstreamProbe === undefined ? (upstreams.length > 1 ? 10_000 : 0) : durationOption(opts.upstreamProbe, '--upstream-probe', { zero: true, maxMs: 3_600_000 });
  return { upstreams, upstreamTimeoutMs, holdDownMs, probeIntervalMs };
}

export async function runProxy(opts: ProxyOptions): Promise<number> {
  const ups = await upstreamOptionsOf(opts);
  const upstreams = ups.upstreams;
  const listen = parseListen(opts.listen, '--listen');
  const range = portRange(opts.rtpPorts);
  const sipDscp = intOption(opts.sipDscp, '--sip-dscp', 0, 63);
  const rtpDscp = intOption(opts.rtpDscp, '--rtp-dscp', 0, 63);
  const learnMs = durationOption(opts.learnMs, '--learn-ms', { plain: 'ms', zero: true, maxMs: 60_000 });
  const requestsPerSecond = intOption(opts.sipRateLimit, '--sip-rate-limit', 0, 1_000_000);
  const mediaTimeout = durationOption(opts.mediaTimeout, '--media-timeout', { maxMs: 86_400_000 }) / 1000;
  const grace = durationOption(opts.grace, '--grace', { zero: true, maxMs: 3_600_000 }) / 1000;
  if (opts.relay !== 'loop' && opts.relay !== 'native' && opts.relay !== 'dgram') throw new VoipreadyError('E_USAGE', `--relay "${opts.relay}" must be loop, native or dgram`);
  if (!['realtime', 'high', 'normal'].includes(opts.relayPriority)) throw new VoipreadyError('E_USAGE', `--relay-priority "${opts.relayPriority}" must be realtime, high or normal`);
  const settings = settingsFromOptions(opts);
  const label = `proxy ${listen.host}:${listen.port} -> ${describeUpstreams(upstreams, false)}`;
  const analyzer = new Analyzer({ file: label, settings });
  const metrics = createMetrics({ settings, defaultMetrics: true });
  // a pilot runs for days: what the analysis holds shows on the Monitor health row, as for monitor
  registerHeldObjects(metrics.registry, () => analyzer.held());
  analyzer.addListener(metrics.listener);
  metrics.attach(analyzer.view);
  // --record: every datagram the analysis gets, and (below) each relayed packet as forwarded
  const recordConfig = recordConfigFrom(opts);
  const recording = recordConfig === null ? null : new Recording(recordConfig, (m) => process.stderr.write(`voipready: ${m}\n`));
  recording?.tapDatagrams(analyzer);

  const unspecified = listen.host === '0.0.0.0' || listen.host === '::';
  const addresses = new LocalAddresses(opts.advertise ?? null, unspecified ? '127.0.0.1' : listen.host);
  for (const u of upstreams) await addresses.learn(u.address);
  const bindAddress = opts.rtpBind ?? listen.host;
  const copies = recording?.relayCopies({ localAddress: (peer) => (bindAddress === '0.0.0.0' || bindAddress === '::' ? addresses.toward(peer) : bindAddress), dscp: rtpDscp });
  const delays = { a: new AddedDelay(), b: new AddedDelay() };
  // segment RTTs from the relayed RTCP (pipeline events), the SR's forward time from the leg's mean added delay
  const legRtt = new LegRttTracker((leg) => (leg === 'a-leg' ? delays.a : delays.b).distribution()?.mean ?? 0);
  const legOfSource = new LegOfSource();
  const delayParts = (): ProxyDelayParts => ({ rtt: legRtt.summary(), addedMs: { 'a-leg': delays.a.distribution(), 'b-leg': delays.b.distribution() } });
  analyzer.refineStreams(proxyStreamRefiner(legOfSource, delayParts));
  // the parts as of the last capture second (reading the added-delay bins per stream would cost a scan each)
  let partsThisSecond: ProxyDelayParts | null = null;
  metrics.supersedeRtcpRtt((s) => partsThisSecond !== null && hasProxyDelay(s, legOfSource, partsThisSecond));
  analyzer.addListener({
    onRtcp: (e) => legRtt.onRtcp(e),
    onSecond: (_sec, view) => {
      const parts = delayParts();
      partsThisSecond = parts;
      if (parts.rtt['a-leg'] === null || parts.rtt['b-leg'] === null) return;
      for (const sample of proxyDelaySamples(view.activeStreams(), legOfSource, parts)) metrics.observeOneWayDelay(sample);
    },
  });
  const proxyMetricsRef: { addedDelay(leg: string, s: number): void } = { addedDelay: () => undefined };
  let sip: SipProxy | null = null;
  const callOfSession = new Map<number, () => void>();
  const onPackets = (batch: readonly RelayedPacket[]): void => {
    for (const p of batch) {
      const leg = `${p.from}-leg` as const;
      legOfSource.note(p.src.address, p.src.port, leg);
      callOfSession.get(p.sessionId)?.();
      analyzer.pushDatagram({
        src: p.src.address, srcPort: p.src.port,
        dst: p.dst.address === '0.0.0.0' || p.dst.address === '::' ? addresses.toward(p.src.address) : p.dst.address, dstPort: p.dst.port,
        transport: 'udp', tsSec: p.tsSec, tsNsec: p.tsNsec, dscp: p.dscp, payload: p.payload, source: `proxy:${leg}`,
        wireBytes: p.length + (p.src.address.includes(':') ? 48 : 28),
      });
      copies?.packet(p);
      if (p.addedNs !== null) {
        proxyMetricsRef.addedDelay(leg, p.addedNs / 1e9);
        (p.from === 'a' ? delays.a : delays.b).observe(p.addedNs);
      }
    }
  };
  const { relay, why } = createMediaRelay({ bindAddress, ...range, dscp: rtpDscp, learnMs, onPackets, priority: opts.relayPriority as RelayPriority }, opts.relay as 'loop' | 'native' | 'dgram');
  if (why !== null) process.stderr.write(`voipready: media relay: ${relay.kind} (${why})${relay.kind === 'dgram' ? ': DSCP of RTP is unknown and not marked' : ''}\n`);

  const transports = new SipTransports(listen.host, listen.port, sipDscp, (m) => void onSip(m), tlsOf(opts, listen.port));
  // what the proxy sent is analysed too, as a capture on the proxy's host would show it: the
  // rewritten SDP is where each side was told to send, so media is tied to the right ports
  const analyseSent = (flow: Flow, bytes: Buffer): void => {
    const at = Date.now();
    analyzer.pushDatagram({
      src: addresses.toward(flow.address), srcPort: flow.transport === 'tls' ? transports.tlsPort : transports.localPort, dst: flow.address, dstPort: flow.port,
      transport: flow.transport, tsSec: Math.floor(at / 1000), tsNsec: (at % 1000) * 1e6,
      dscp: transports.dscpCapable && flow.transport === 'udp' ? sipDscp : null, payload: bytes, source: 'proxy:sip-out',
    });
  };
  const proxyOptions: SipProxyOptions = {
    ...ups, port: listen.port, localAddressToward: (a) => addresses.toward(a), domains: opts.domain, relay: copies?.wrapRelay(relay) ?? relay, requestsPerSecond,
    send: (flow, bytes) => {
      transports.send(flow, bytes);
      analyseSent(flow, bytes);
    },
    sendOrElse: (flow, bytes, failed) => transports.sendOrElse(flow, bytes, () => analyseSent(flow, bytes), failed),
    onSession: (s, callKey) => callOfSession.set(s.id, () => sip?.mediaSeen(callKey)),
  };
  sip = new SipProxy(proxyOptions);
  sip.setMediaTimeout(mediaTimeout * 1000);
  const proxy = sip;
  const onSip = async (m: InboundSip): Promise<void> => {
    analyzer.pushDatagram({
      src: m.flow.address, srcPort: m.flow.port,
      dst: unspecified ? addresses.toward(m.flow.address) : listen.host, dstPort: m.flow.transport === 'tls' ? transports.tlsPort : transports.localPort,
      transport: m.flow.transport, tsSec: Math.floor(m.atMs / 1000), tsNsec: Math.round((m.atMs % 1000) * 1e6),
      dscp: m.dscp, payload: m.bytes, source: 'proxy:sip',
    });
    await addresses.learn(m.flow.address);
    await proxy.handle(m);
  };
  try {
    await transports.start();
    if (transports.tlsPort > 0) proxyOptions.tlsPort = transports.tlsPort;
  } catch (err) {
    await relay.close();
    throw new VoipreadyError('E_LISTEN', `cannot listen for SIP on ${listen.host}:${listen.port}: ${(err as Error).message}`);
  }
  transports.onDialFailed = (flow) => proxy.unreachable(flow);
  Object.assign(proxyMetricsRef, createProxyMetrics(metrics.registry, {
    sip: () => proxy.counters, transport: () => transports.counters, relay: () => relay.counters(), upstreams: () => proxy.upstreams.all,
  }));
  let finalReport: AnalysisReport | null = null;
  let tornDown: TearDownResult | null = null;
  const server = opts.serve === true
    ? await startServer({ registry: metrics.registry, view: () => analyzer.view, report: () => finalReport, listen: serveConfigFrom({ listen: opts.listenHttp ?? '127.0.0.1:9464' }).listen })
    : null;
  const clock = startWallClock(analyzer);
  const sweeper = setInterval(() => proxy.sweep(), 1000);
  sweeper.unref();
  const offHup = reloadOnHup(() => settingsFromOptions(opts), analyzer, metrics.registry, opts.config ?? 'the settings');
  const offReport = opts.report === undefined ? () => undefined : onReportSignal(() => writeReport(opts.report!, analyzer.view.report()));
  process.stderr.write(`voipready: proxy on udp+tcp ${listen.host}:${transports.localPort}${transports.tlsPort > 0 ? `, tls ${listen.host}:${transports.tlsPort}` : ''} -> ${describeUpstreams(upstreams, true)}${upstreams.length > 1 ? ` (${ups.probeIntervalMs! > 0 ? `OPTIONS probe every ${ups.probeIntervalMs! / 1000} s` : 'no probe'})` : ''}, RTP ${range.portMin}-${range.portMax} (${relay.kind} relay, SIP ${transports.dscpCapable ? 'DSCP read and marked' : 'DSCP unknown'})${server ? `, http://${server.address}/metrics` : ''}\n`);
  const screen = opts.live === false ? { stop: () => undefined } : startLiveScreen(() => analyzer.view, `voipready proxy ${listen.host}:${transports.localPort} -> ${describeUpstreams(upstreams, false)}`);
  try {
    const why2 = await waitForShutdown(null);
    screen.stop();
    proxy.stopNewCalls();
    process.stderr.write(`voipready: ${why2}: no new calls; ${proxy.activeCalls().length} in progress get ${grace} s\n`);
    const end = Date.now() + grace * 1000;
    while (proxy.activeCalls().length > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    if (proxy.activeCalls().length > 0) {
      // what is still up is ended cleanly: BYE on both legs, CANCEL toward the callee of a ringing call
      tornDown = await proxy.tearDown(TEARDOWN_ANSWER_MS);
      process.stderr.write(`voipready: ended ${tornDown.calls} call(s): ${tornDown.byeSent} BYE sent (${tornDown.byeAnswered} answered), ${tornDown.cancelSent} CANCEL sent (${tornDown.cancelAnswered} answered)\n`);
    }
  } finally {
    clearInterval(sweeper);
    offReport();
    offHup();
    proxy.close();
    await relay.close();
    await transports.close();
    clock.stop();
    // the relay's last batch is handed over on the next turn of the loop
    await new Promise((r) => setImmediate(r));
    await recording?.close();
    const proxySection = { ...proxyReport(proxy, relay, delays, `${listen.host}:${transports.localPort}`, upstreams.map((u) => `${u.transport}:${u.host}:${u.port}`).join(', ')), rttMs: legRtt.summary(), endedAtShutdown: tornDown };
    finalReport = { ...analyzer.finish(label), proxy: proxySection };
    await server?.close();
  }
  const failed: VoipreadyError[] = [];
  const report = opts.report;
  if (report !== undefined) await keepOutputError(failed, () => writeOutputFile(report, toJson(finalReport, { series: false }) + '\n', 'the report (--report)'));
  if (opts.json === true) process.stdout.write(toJson(finalReport, { series: false }) + '\n');
  else process.stdout.write(renderText(finalReport, { color: false }));
  return reportOutputErrors(failed, 0);
}

function proxyReport(p: SipProxy, relay: MediaRelay, delays: { a: AddedDelay; b: AddedDelay }, listen: string, upstream: string): ProxyReport {
  const c = p.counters;
  const r = relay.counters();
  return {
    listen, upstream, relay: relay.kind, ...(r.thread !== undefined ? { relayThread: r.thread } : {}), calls: c.callsTotal,
    sip: {
      forwarded: c.forwarded, absorbedRetransmissions: c.absorbed, rejectedForbidden: c.rejectedForbidden, rejectedNotFound: c.rejectedNotFound,
      tooManyHops: c.tooManyHops, noRtpPorts: c.noPorts, malformed: c.malformed, rateLimited: c.rateLimited, strayResponses: c.stray,
      largeOverTcp: c.largeOverTcp, tcpFallbackToUdp: c.tcpFallbacks,
    },
    media: {
      received: r.received, forwarded: r.forwarded, droppedStrictSource: r.strictDrops, droppedJunk: r.junkDrops,
      droppedNoPeer: r.noPeerDrops, sendErrors: r.sendErrors, notAnalysed: r.notAnalysed ?? 0,
    },
    addedDelayMs: { 'a-leg': delays.a.distribution(), 'b-leg': delays.b.distribution() },
    upstreams: upstreamReports(p),
  };
}

/** per upstream: its state at the end and what went to it */
function upstreamReports(p: SipProxy): ProxyUpstreamReport[] {
  return p.upstreams.all.map((u) => ({
    upstream: u.label, transport: u.config.transport, domain: u.domain, up: u.up, requests: u.requests,
    failovers: { ...u.failovers }, probesSent: u.probesSent, probesAnswered: u.probesAnswered,
  }));
}

function writeReport(file: string, report: AnalysisReport): void {
  try {
    writeFileSync(file, toJson(report, { series: false }) + '\n');
  } catch (err) {
    process.stderr.write(`voipready: ${file}: cannot write the report (--report): ${writeFailure(err)}\n`);
  }
}
