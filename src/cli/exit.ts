/**
 * Exit codes (documented in the README):
 *   0 pass (and warn, unless --strict)   1 fail   2 warn with --strict
 *   3 usage error   4 capture input error (unreadable, not a capture, truncated/corrupt)
 *   5 config error  6 cannot listen  7 test server unreachable  8 an output file cannot be written
 *   70 internal error (a bug: please report it)
 * Commands record their code here; only bin/voipready hands it to the process.
 */
import type { Verdict } from '../model/report.js';

let exitCode = 0;

export function setExitCode(code: number): void {
  exitCode = Math.max(exitCode, code);
}

export function takeExitCode(): number {
  const code = exitCode;
  exitCode = 0;
  return code;
}

export function exitCodeForVerdict(verdict: Verdict, strict: boolean): number {
  if (verdict === 'fail') return 1;
  if (verdict === 'warn' && strict) return 2;
  return 0;
}
