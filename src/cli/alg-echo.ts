/**
 * `voipready alg-echo --listen 0.0.0.0:5060` — the far end of the active SIP ALG test, run outside
 * the firewall: answers alg-check's requests with the signed copy of what arrived (UDP and TCP),
 * nothing else beyond a minimal 400, never relays. `--stun-server` also answers STUN on 3478/3479.
 * Runs until SIGINT/SIGTERM, then prints its counters as one JSON line on stderr. `--listen-http`
 * serves the same counters on /metrics while it runs.
 */
import type { Command } from 'commander';
import { EchoServer } from '../alg-test/echo-server.js';
import { StunServer } from '../alg-test/stun-server.js';
import { VoipreadyError } from '../errors.js';
import { formatAddress, parseListen, type ListenAddress } from '../config/options/index.js';
import { exitCodeOf } from './command.js';
import { untilSignal } from './until-signal.js';
import { Registry } from 'prom-client';
import { registerAlgEchoMetrics } from '../outputs/prometheus/alg-echo-metrics.js';
import { startServer, type RunningServer } from '../outputs/server/server.js';

interface Opts { listen: string; transport: string; rate: string; stunServer?: boolean; stunPort: string; listenHttp?: string }

export function register(program: Command): void {
  program
    .command('alg-echo')
    .description('the echo end of the SIP ALG test (run outside the firewall): answers alg-check with what it received, signed')
    .option('--listen <host:port>', 'address to listen on (UDP and TCP)', '0.0.0.0:5060')
    .option('--transport <t>', 'udp, tcp or both', 'both')
    .option('--rate <n>', 'messages per second per source address', '20')
    .option('--stun-server', 'also run the STUN server (see stun-server) on --stun-port and the port after it')
    .option('--stun-port <port>', 'STUN port with --stun-server', '3478')
    .option('--listen-http <host:port>', 'also serve the counters (bad input: oversized, malformed, rate-limited; replies, bytes) on /metrics here')
    .action(exitCodeOf(async (o: Opts) => {
      const at = parseListen(o.listen);
      const httpAt = o.listenHttp !== undefined ? parseListen(o.listenHttp, '--listen-http') : null;
      if (!['udp', 'tcp', 'both'].includes(o.transport)) throw new VoipreadyError('E_USAGE', `--transport "${o.transport}": udp, tcp or both`);
      const rate = Number(o.rate);
      if (!(rate > 0 && rate <= 10_000)) throw new VoipreadyError('E_USAGE', `--rate "${o.rate}": a number of messages per second, 1..10000`);
      const echo = new EchoServer({ host: at.host, port: at.port, udp: o.transport !== 'tcp', tcp: o.transport !== 'udp', ratePerSecond: rate });
      const stunServer = o.stunServer === true ? new StunServer(at.host, Number(o.stunPort)) : null;
      try {
        await echo.start();
        await stunServer?.start();
      } catch (err) {
        await echo.close();
        throw new VoipreadyError('E_LISTEN', `alg-echo cannot listen on ${formatAddress(at)}: ${(err as Error).message}`);
      }
      const http = httpAt !== null ? await startMetrics(httpAt, echo, stunServer).catch(async (err: unknown) => {
        await echo.close();
        await stunServer?.close();
        throw err;
      }) : null;
      process.stderr.write(`voipready alg-echo: listening on ${formatAddress(at)} (${o.transport})${stunServer !== null ? `, STUN on ${o.stunPort}/${Number(o.stunPort) + 1}` : ''}\n`);
      if (http !== null) process.stderr.write(`voipready alg-echo: metrics on http://${http.address}/metrics\n`);
      await untilSignal();
      await http?.close();
      await echo.close();
      await stunServer?.close();
      process.stderr.write(`voipready alg-echo: stats ${JSON.stringify({ ...echo.stats, stun: stunServer?.stats ?? null })}\n`);
      return 0;
    }));
}

/** /metrics of the echo's counters (the project's HTTP edge, no analysis behind it) */
async function startMetrics(listen: ListenAddress, echo: EchoServer, stun: StunServer | null): Promise<RunningServer> {
  const registry = new Registry();
  registerAlgEchoMetrics(registry, () => echo.stats, stun === null ? null : () => stun.stats);
  return startServer({ registry, view: () => null, listen });
}
