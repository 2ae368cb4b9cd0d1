/**
 * The command-line program: commander wiring only. Each command lives in its own file and records
 * its exit code with setExitCode() (through exitCodeOf in command.ts); bin/voipready hands the
 * code to the process. A new command is its file plus one line in COMMANDS below.
 */
import { Command, CommanderError } from 'commander';
import { VoipreadyError } from '../errors.js';
import type { CommandModule } from './command.js';
import { setExitCode, takeExitCode } from './exit.js';
import { VERSION } from '../version.js';

export async function run(argv: string[]): Promise<number> {
  const program = new Command('voipready')
    .description('Is this network VoIP-ready? Measures SIP/RTP in captures against the VoIP-Ready limits.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 pass (or warn), 1 fail (alg-check: SIP ALG found), 2 warn with --strict, 3 usage, 4 capture input, 5 config, 6 cannot listen, 7 test server unreachable, 8 an output file cannot be written.\nExample: voipready analyze capture.pcapng --profile starface --html report.html')
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  await registerCommands(program, argv[2]);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    return handleError(err);
  }
  return takeExitCode();
}

function handleError(err: unknown): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
    return 3;
  }
  if (err instanceof VoipreadyError) {
    process.stderr.write(`voipready: ${err.message}\n`);
    setExitCode(err.exitCode);
    return takeExitCode();
  }
  throw err;
}

/**
 * Commands are loaded on demand: `analyze` must not pay for fastify and prom-client at startup.
 * A known command loads only its own module; help, version or an unknown word loads them all.
 */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  analyze: () => import('./analyze.js'),
  monitor: () => import('./monitor.js'),
  replay: () => import('./replay.js'),
  serve: () => import('./serve.js'),
  synth: () => import('./synth.js'),
  probe: () => import('./probe.js'),
  proxy: () => import('./proxy.js'),
  'alg-echo': () => import('./alg-echo.js'),
  'alg-check': () => import('./alg-check.js'),
  'nat-check': () => import('./nat-check.js'),
  'stun-server': () => import('./stun-server.js'),
  'alg-diff': () => import('./alg-diff.js'),
};

async function registerCommands(program: Command, first: string | undefined): Promise<void> {
  const load = first !== undefined ? COMMANDS[first] : undefined;
  const loaders = load !== undefined ? [load] : Object.values(COMMANDS);
  for (const l of loaders) (await l()).register(program);
}
