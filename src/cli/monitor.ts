/**
 * `voipready monitor --hep-listen 0.0.0.0:9060 [--hep-forward host:port] [--listen 127.0.0.1:9464]`:
 * ongoing monitoring from live sources. The HEP collector (capture/sources/hep.ts) feeds the
 * analyzer's datagram entry, the wall clock drives its seconds, and /metrics, /healthz and /api are
 * always served (as `replay`). SIGINT/SIGTERM stop it: the report of the whole run is printed (text,
 * or JSON with --json) and written to --report FILE as JSON.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { startHepCollector, type HepCollector } from '../capture/sources/hep.js';
import {
  addSharedOptions, hepConfigFrom, serveConfigFrom, settingsFromOptions,
  type HepConfig, type HepOptionValues, type RemoteWriteCliOptions, type ServeOptionValues, type SettingsCliOptions,
} from '../config/options/index.js';
import { waitForShutdown } from '../config/shutdown.js';
import { VoipreadyError } from '../errors.js';
import type { AnalysisReport } from '../model/report.js';
import { toJson } from '../outputs/json.js';
import { createHepMetrics } from '../outputs/prometheus/hep-metrics.js';
import { createMetrics } from '../outputs/prometheus/metrics.js';
import { startServer } from '../outputs/server/server.js';
import { renderText } from '../outputs/text-report.js';
import { Analyzer } from '../pipeline/analyzer.js';
import { startWallClock } from '../pipeline/wall-clock.js';
import { exitCodeOf } from './command.js';
import { startRemoteWrite } from './remote-write.js';

export interface MonitorOptions extends ServeOptionValues, SettingsCliOptions, RemoteWriteCliOptions, HepOptionValues {
  report?: string;
  json?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('monitor')
    .description('monitor live traffic (HEP from SIP proxies and capture agents) and serve /metrics, /healthz and /api until stopped')
    .option('--report <file>', 'on SIGINT/SIGTERM, write the report of the whole run to this file as JSON')
    .option('--json', 'print the final report as JSON instead of text');
  addSharedOptions(cmd, 'hep', 'serve', 'settings', 'remoteWrite').action(exitCodeOf(runMonitor));
}

export async function runMonitor(opts: MonitorOptions): Promise<number> {
  const hep = hepConfigFrom(opts);
  if (hep === null) throw new VoipreadyError('E_USAGE', 'monitor needs a live source: --hep-listen host:port');
  const serve = serveConfigFrom(opts);
  const settings = settingsFromOptions(opts);
  const label = `hep:${hep.listen.host}:${hep.listen.port}`;
  const analyzer = new Analyzer({ file: label, settings });
  const metrics = createMetrics({ settings, defaultMetrics: true, ...(serve.localNetworks ? { localNetworks: serve.localNetworks } : {}) });
  analyzer.addListener(metrics.listener);
  metrics.attach(analyzer.view);
  const pusher = startRemoteWrite(opts, settings, metrics.registry, analyzer, 'capture');
  let finalReport: AnalysisReport | null = null;
  const server = await startServer({
    registry: metrics.registry,
    view: () => analyzer.view,
    report: () => finalReport,
    listen: serve.listen,
    ...(serve.auth ? { auth: serve.auth } : {}),
  });
  let collector: HepCollector | null = null;
  const clock = startWallClock(analyzer);
  try {
    collector = await startCollector(hep, analyzer, metrics.registry);
    process.stderr.write(`voipready: serving http://${server.address}/metrics\n`);
    process.stderr.write(`voipready: collecting HEP on udp+tcp ${collector.address}${hep.forward ? `, forwarding to ${hep.forward.host}:${hep.forward.port}` : ''}\n`);
    const why = await waitForShutdown(null);
    process.stderr.write(`voipready: ${why}: stopping\n`);
  } finally {
    clock.stop();
    await collector?.close();
    finalReport = analyzer.finish(label);
    await pusher?.stop();
    await server.close();
  }
  if (opts.report !== undefined) writeFileSync(opts.report, toJson(finalReport, { series: false }) + '\n');
  if (opts.json === true) process.stdout.write(toJson(finalReport, { series: false }) + '\n');
  else process.stdout.write(renderText(finalReport, { color: false }));
  return 0;
}

async function startCollector(hep: HepConfig, analyzer: Analyzer, registry: Parameters<typeof createHepMetrics>[0]): Promise<HepCollector> {
  const counters = createHepMetrics(registry, hep.maxAgents);
  try {
    return await startHepCollector({
      listen: hep.listen,
      password: hep.password,
      forward: hep.forward,
      onDatagram: (d) => {
        if (!analyzer.pushDatagram(d)) counters.error('not_ip');
      },
      onPacket: (p) => counters.packet(p.agentId, p.protoType),
      onError: (reason) => counters.error(reason),
    });
  } catch (err) {
    throw new VoipreadyError('E_LISTEN', `cannot collect HEP on ${hep.listen.host}:${hep.listen.port}: ${(err as Error).message}`);
  }
}
