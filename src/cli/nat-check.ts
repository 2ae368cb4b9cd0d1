/**
 * `voipready nat-check --stun host:3478 [--stun host2:3478] [--lifetime 30]` — the public mapping of
 * this host, whether it is the same toward other destinations, and optionally whether it survives
 * an idle pause. Exit 0 when a mapping was found, 7 (E_NETWORK) when no STUN server answered.
 */
import { networkInterfaces } from 'node:os';
import type { Command } from 'commander';
import { natCheck, withLocal, type NatCheckResult } from '../alg-test/nat-check.js';
import { VoipreadyError } from '../errors.js';
import { durationOption } from '../config/duration.js';
import { exitCodeOf } from './command.js';
import { addCheckMetricsOptions, checkMetricsSettings, publishCheckMetrics, type CheckMetricsOptions } from './check-metrics.js';
import { reportOutputErrors } from './write-output.js';
import { natCheckFamilies } from '../outputs/prometheus/nat-check-metrics.js';

interface Opts extends CheckMetricsOptions { stun: string[]; lifetime?: string; timeout: string; json?: boolean }

export function localAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((l) => (l ?? []).map((a) => a.address));
}

export function natText(r: NatCheckResult): string[] {
  const out: string[] = [];
  if (r.mapped !== null) out.push(`public mapping: ${r.mapped.address}:${r.mapped.port} (${r.natted ? 'behind NAT' : 'no NAT: the mapped address is this host\'s own'})`);
  for (const m of r.mappings) out.push(`  ${m.server} saw ${m.address}:${m.port}`);
  if (r.mappingBehaviour !== null) out.push(`mapping: ${r.mappingBehaviour}${r.mappingBehaviour === 'destination-dependent' ? ' (symmetric NAT: RTP toward a peer other than the STUN server gets another port)' : ''}`);
  if (r.changePortAnswered !== null) out.push(`filtering: an answer from the server's other port ${r.changePortAnswered ? 'came in (not port-restricted)' : 'was filtered (port-restricted)'}`);
  if (r.lifetime !== null) out.push(`binding after ${r.lifetime.idleSeconds} s idle: ${r.lifetime.kept ? 'kept' : 'lost (lifetime shorter)'}`);
  for (const e of r.errors) out.push(`note: ${e}`);
  return out;
}

export function register(program: Command): void {
  const cmd = program
    .command('nat-check')
    .description('STUN: the public address and port of this host, mapping behaviour, binding lifetime')
    .requiredOption('--stun <host:port>', 'STUN server (repeat for a second destination)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--lifetime <duration>', 'also test whether the binding survives this idle time (seconds, or 30s, 5m; at most 1h)')
    .option('--timeout <duration>', 'per request (plain number: ms; or 2s)', '2000')
    .option('--json', 'one JSON object');
  addCheckMetricsOptions(cmd).action(exitCodeOf(async (o: Opts) => {
    const timeoutMs = durationOption(o.timeout, '--timeout', { plain: 'ms' });
    const lifetime = o.lifetime === undefined ? undefined : durationOption(o.lifetime, '--lifetime', { maxMs: 3_600_000 }) / 1000;
    const settings = checkMetricsSettings(o);
    const started = Date.now();
    const r = withLocal(await natCheck({ servers: o.stun, timeoutMs, ...(lifetime !== undefined ? { lifetimeSeconds: lifetime } : {}) }), '', localAddresses());
    const ended = Date.now();
    const families = natCheckFamilies({ site: settings.site, server: o.stun[0]!, result: r, durationSeconds: (ended - started) / 1000, endedAtMs: ended });
    if (r.mapped === null) {
      // the failed check still reaches the dashboard (success 0), then exits 7
      reportOutputErrors(await publishCheckMetrics(o, settings, families, ended), 0);
      throw new VoipreadyError('E_NETWORK', `nat-check: ${r.errors.join('; ')}`);
    }
    process.stdout.write(o.json === true ? `${JSON.stringify(r)}\n` : `${natText(r).join('\n')}\n`);
    return reportOutputErrors(await publishCheckMetrics(o, settings, families, ended), 0);
  }));
}
