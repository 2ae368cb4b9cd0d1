/**
 * `voipready stun-server --listen 0.0.0.0:3478` — a self-hosted STUN server for nat-check (RFC 5389
 * binding; RFC 5780 OTHER-ADDRESS and CHANGE-REQUEST for the port) on the port and the one after it.
 */
import type { Command } from 'commander';
import { StunServer } from '../alg-test/stun-server.js';
import { formatAddress, parseListen } from '../config/options/index.js';
import { VoipreadyError } from '../errors.js';
import { exitCodeOf } from './command.js';
import { untilSignal } from './until-signal.js';

export function register(program: Command): void {
  program
    .command('stun-server')
    .description('a STUN server (binding, RFC 5780 change-port) on the port and the next one, for nat-check')
    .option('--listen <host:port>', 'address and first port', '0.0.0.0:3478')
    .action(exitCodeOf(async (o: { listen: string }) => {
      const at = parseListen(o.listen);
      const s = new StunServer(at.host, at.port);
      try {
        await s.start();
      } catch (err) {
        throw new VoipreadyError('E_LISTEN', `stun-server cannot listen on ${formatAddress(at)}: ${(err as Error).message}`);
      }
      process.stderr.write(`voipready stun-server: listening on ${formatAddress(at)} and port ${at.port + 1}\n`);
      await untilSignal();
      await s.close();
      process.stderr.write(`voipready stun-server: stats ${JSON.stringify(s.stats)}\n`);
      return 0;
    }));
}
