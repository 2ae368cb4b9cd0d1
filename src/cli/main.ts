/**
 * The command-line program: commander wiring only. Each command lives in its own file and records
 * its exit code with setExitCode(); bin/voipready hands the code to the process.
 */
import { Command, CommanderError } from 'commander';
import { VoipreadyError } from '../errors.js';
import { register as registerAnalyze } from './analyze.js';
import { register as registerReplay } from './replay.js';
import { register as registerServe } from './serve.js';
import { register as registerSynth } from './synth.js';
import { setExitCode, takeExitCode } from './exit.js';
import { VERSION } from '../version.js';

export async function run(argv: string[]): Promise<number> {
  const program = new Command('voipready')
    .description('Is this network VoIP-ready? Measures SIP/RTP in captures against the VoIP-Ready limits.')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) });
  registerAnalyze(program);
  registerReplay(program);
  registerServe(program);
  registerSynth(program);
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
