/**
 * What a command file gives main.ts, and the one way its action records an exit code.
 *
 * A new command is one file here exporting `register(program)`, plus its line in main.ts's
 * COMMANDS. The file declares its own arguments and options, adds the shared ones with
 * `addSharedOptions(cmd, ...)` from config/options, and wraps its body with `exitCodeOf`.
 */
import type { Command } from 'commander';
import { setExitCode } from './exit.js';

export interface CommandModule {
  register(program: Command): void;
}

/**
 * A commander action from a body that resolves with the exit code. A VoipreadyError it throws is
 * reported by main.ts (message on stderr, the error's exit code); anything else is a bug (70).
 */
export function exitCodeOf<A extends unknown[]>(body: (...args: A) => Promise<number> | number): (...args: A) => Promise<void> {
  return async (...args: A) => {
    setExitCode(await body(...args));
  };
}
