/**
 * `voipready alg-check --server host:5060 [--transport udp|tcp]` — the inside end of the active SIP
 * ALG test: sends a REGISTER and an INVITE with SDP (private addresses, as a phone behind NAT) to
 * alg-echo, diffs what arrived against what was sent (outbound) and the echo's intended response
 * head against the one received (inbound), and names the box where the pattern allows.
 * Exit 0: no rewriting seen; 1: SIP ALG found; 7 (E_NETWORK): the echo did not answer.
 */
import { isIP } from 'node:net';
import type { AlgCheckRun } from '../alg-test/check-report.js';
import { toJson } from '../outputs/json.js';
import type { Command } from 'commander';
import { writeOutputFile } from './write-output.js';
import { runCheck, NetworkError } from '../alg-test/check-client.js';
import { natCheck, withLocal, type NatCheckResult } from '../alg-test/nat-check.js';
import { summarise, type CheckResult } from '../detect/alg-active/analyse.js';
import { formatChanges } from '../detect/alg-active/sip-text.js';
import { VoipreadyError } from '../errors.js';
import { durationOption } from '../config/duration.js';
import { exitCodeOf } from './command.js';
import { localAddresses } from './nat-check.js';
import { addCheckMetricsOptions, checkMetricsSettings, publishCheckMetrics, type CheckMetricsOptions } from './check-metrics.js';
import { reportOutputErrors } from './write-output.js';
import { algCheckFamilies } from '../outputs/prometheus/alg-check-metrics.js';
import type { Settings } from '../config/settings.js';

interface Opts extends CheckMetricsOptions { server: string; transport: string; localPort: string; advertise?: string; stun?: string; timeout: string; json?: boolean; report?: string; html?: string }

function parseServer(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?(?::(\d{1,5}))?$/.exec(text.trim());
  if (m === null || (m[1]!.includes(':') && !text.startsWith('['))) throw new VoipreadyError('E_USAGE', `--server "${text}": host:port`);
  return { host: m[1]!, port: m[2] === undefined ? 5060 : Number(m[2]) };
}

/** RFC 1918, RFC 6598 shared, loopback, link-local */
export function isPrivate(ip: string): boolean {
  return /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|127\.|169\.254\.)/.test(ip) || /^f[cd]/i.test(ip);
}

function natAwareness(local: string, source: string | null, stunResult: NatCheckResult | null, rewritten: boolean): string | null {
  const localIp = local.replace(/:\d+$/, '');
  const seen = source?.replace(/:\d+$/, '') ?? null;
  const publicIp = stunResult?.mapped?.address ?? seen;
  if (publicIp === null || publicIp === localIp || !isPrivate(localIp)) return null;
  const via = stunResult?.mapped !== null && stunResult !== null ? `STUN maps it to ${publicIp}` : `the echo saw ${source}`;
  return rewritten
    ? `NAT: this host is ${localIp}, ${via}; the ALG hides the private address, the endpoint itself is not NAT-aware`
    : `endpoint not NAT-aware: SIP carries the private ${localIp} while ${via} (plain NAT, no ALG): use STUN, rport/outbound or an SBC`;
}

function print(r: CheckResult, local: string, nat: string | null): string {
  const out: string[] = [];
  for (const x of r.exchanges) {
    out.push(`${x.method}: ${x.problem ?? (x.outbound.length + x.inbound.length === 0 ? 'arrived unchanged' : 'rewritten')}${x.source !== null ? ` (echo saw ${x.source}, sent from ${local})` : ''}`);
    if (x.outbound.length > 0) out.push('  outbound (as sent -, as the echo received it +):', ...formatChanges(x.outbound).map((l) => `    ${l}`));
    if (x.inbound.length > 0) out.push('  inbound (as the echo sent it -, as received +):', ...formatChanges(x.inbound).map((l) => `    ${l}`));
  }
  out.push(r.verdict);
  if (r.fingerprint !== null) out.push(r.fingerprint.text, ...r.fingerprint.evidence.map((e) => `  ${e}`));
  if (nat !== null) out.push(nat);
  return `${out.join('\n')}\n`;
}

export function register(program: Command): void {
  const cmd = program
    .command('alg-check')
    .description('active SIP ALG test against alg-echo: sends REGISTER and INVITE, shows what a firewall rewrote')
    .requiredOption('--server <host:port>', 'the alg-echo server')
    .option('--transport <t>', 'udp or tcp', 'udp')
    .option('--local-port <port>', 'local SIP port (a phone uses 5060; 0 for any)', '5060')
    .option('--advertise <ip>', 'address to write into the messages (default: this end of the socket)')
    .option('--stun <host:port>', 'also ask this STUN server for the public mapping (NAT awareness)')
    .option('--timeout <duration>', 'per message (plain number: ms; or 3s)', '3000')
    .option('--json', 'one JSON object')
    .option('--report <file>', 'also write the result as the analysis report JSON (findings SIP_ALG_REWRITE / NAT_PRIVATE_ADDRESS_IN_SIP with the rewritten lines)')
    .option('--html <file>', 'also write it as the HTML report, with what to do about each finding');
  addCheckMetricsOptions(cmd).action(exitCodeOf(async (o: Opts) => {
    const { host, port } = parseServer(o.server);
    if (o.transport !== 'udp' && o.transport !== 'tcp') throw new VoipreadyError('E_USAGE', `--transport "${o.transport}": udp or tcp`);
    if (o.advertise !== undefined && isIP(o.advertise) === 0) throw new VoipreadyError('E_USAGE', `--advertise "${o.advertise}": an IP address`);
    const localPort = Number(o.localPort);
    const timeoutMs = durationOption(o.timeout, '--timeout', { plain: 'ms' });
    if (!Number.isInteger(localPort) || localPort < 0 || localPort > 65535) throw new VoipreadyError('E_USAGE', `--local-port "${o.localPort}" must be a port number 0..65535`);
    const settings = checkMetricsSettings(o);
    const started = Date.now();
    const metrics = (result: CheckResult | null): Promise<VoipreadyError[]> => {
      const ended = Date.now();
      const families = algCheckFamilies({ site: settings.site, server: host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, transport: o.transport as 'udp' | 'tcp', result, durationSeconds: (ended - started) / 1000, endedAtMs: ended });
      return publishCheckMetrics(o, settings, families, ended);
    };
    let r: CheckResult;
    try {
      r = await check(o, { host, port, localPort, timeoutMs, started, settings });
    } catch (err) {
      // a check that could not run still reaches the dashboard: success 0, a fresh last-run time
      if (err instanceof VoipreadyError && err.code === 'E_NETWORK') reportOutputErrors(await metrics(null), 0);
      throw err;
    }
    return reportOutputErrors(await metrics(r), r.algPresent ? 1 : 0);
  }));
}

interface Target { host: string; port: number; localPort: number; timeoutMs: number; started: number; settings: Settings }

/** runs the test, prints the result and writes --report/--html; E_NETWORK when the echo gave no usable answer */
async function check(o: Opts, t: Target): Promise<CheckResult> {
  const { host, port, localPort, timeoutMs, started } = t;
  const transport = o.transport as 'udp' | 'tcp';
  let run;
  try {
    run = await runCheck({ host, port, transport, localPort, timeoutMs, ...(o.advertise !== undefined ? { advertise: o.advertise } : {}) });
  } catch (err) {
    if (err instanceof NetworkError || (err as NodeJS.ErrnoException).code !== undefined) throw new VoipreadyError('E_NETWORK', `alg-check: ${(err as Error).message}`);
    throw err;
  }
  if (run.exchanges.every((x) => !x.verified)) {
    throw new VoipreadyError('E_NETWORK', `alg-check: no usable answer from ${host}:${port} over ${transport}: ${run.exchanges.map((x) => `${x.method}: ${x.problem}`).join('; ')}`);
  }
  const r = summarise(run.exchanges.filter((x) => x.verified));
  const stunResult = o.stun !== undefined ? withLocal(await natCheck({ servers: [o.stun], timeoutMs }), run.local, localAddresses()) : null;
  const local = o.advertise !== undefined ? `${o.advertise}:${localPort}` : run.local;
  const nat = natAwareness(local, run.exchanges.find((x) => x.source !== null)?.source ?? null, stunResult, r.algPresent);
  if (o.report !== undefined || o.html !== undefined) {
    await writeReports(o, { server: `${host}:${port}`, transport, local, startTime: new Date(started).toISOString(), durationSeconds: (Date.now() - started) / 1000, result: r, natAwareness: nat }, t.settings);
  }
  if (o.json === true) {
    process.stdout.write(`${JSON.stringify({ local: run.local, verdict: r.verdict, algPresent: r.algPresent, outbound: r.outboundFields, inbound: r.inboundFields, fingerprint: r.fingerprint, natAwareness: nat, stun: stunResult, exchanges: r.exchanges })}\n`);
  } else {
    process.stdout.write(print(r, run.local, nat));
  }
  return r;
}

async function writeReports(o: Opts, run: AlgCheckRun, settings: Settings): Promise<void> {
  const { algCheckReport } = await import('../alg-test/check-report.js');
  const report = algCheckReport(run, settings);
  if (o.report !== undefined) writeOutputFile(o.report, `${toJson(report, { series: false })}\n`, 'the report (--report)');
  if (o.html !== undefined) {
    const { renderHtmlReport } = await import('../outputs/html/render.js');
    writeOutputFile(o.html, renderHtmlReport(report), 'the HTML report (--html)');
  }
}
