/**
 * `voipready alg-echo --listen 0.0.0.0:5060` — the far end of the active SIP ALG test, run outside
 * the firewall: answers alg-check's requests with the signed copy of what arrived (UDP and TCP),
 * nothing else beyond a minimal 400, never relays. `--stun-server` also answers STUN on 3478/3479.
 * Runs until SIGINT/SIGTERM, then prints its counters as one JSON line on stderr.
 */
import type { Command } from 'commander';
import { EchoServer } from '../alg-test/echo-server.js';
import { StunServer } from '../alg-test/stun-server.js';
import { VoipreadyError } from '../errors.js';
import { formatAddress, parseListen } from '../config/options/index.js';
import { exitCodeOf } from './command.js';
import { untilSignal } from './until-signal.js';

interface Opts { listen: string; transport: string; rate: string; stunServer?: boolean; stunPort: string }

export function register(program: Command): void {
  program
    .command('alg-echo')
    .description('the echo end of the SIP ALG test (run outside the firewall): answers alg-check with what it received, signed')
    .option('--listen <host:port>', 'address to listen on (UDP and TCP)', '0.0.0.0:5060')
    .option('--transport <t>', 'udp, tcp or both', 'both')
    .option('--rate <n>', 'messages per second per source address', '20')
    .option('--stun-server', 'also run the STUN server (see stun-server) on --stun-port and the port after it')
    .option('--stun-port <port>', 'STUN port with --stun-server', '3478')
    .action(exitCodeOf(async (o: Opts) => {
      const at = parseListen(o.listen);
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
      process.stderr.write(`voipready alg-echo: listening on ${formatAddress(at)} (${o.transport})${stunServer !== null ? `, STUN on ${o.stunPort}/${Number(o.stunPort) + 1}` : ''}\n`);
      await untilSignal();
      await echo.close();
      await stunServer?.close();
      process.stderr.write(`voipready alg-echo: stats ${JSON.stringify({ ...echo.stats, stun: stunServer?.stats ?? null })}\n`);
      return 0;
    }));
}
