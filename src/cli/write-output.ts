/**
 * Writing the files a command produces besides its report on stdout (--html, --report, --truth):
 * a failure is E_OUTPUT (exit 8) naming the file and the option, not a capture input error.
 */
import { writeFileSync } from 'node:fs';
import { VoipreadyError, outputError } from '../errors.js';

/** writes `text` to `path`; E_OUTPUT ("report.html: cannot write the HTML report (--html): ...") */
export function writeOutputFile(path: string, text: string | Uint8Array, what: string): void {
  try {
    writeFileSync(path, text);
  } catch (err) {
    throw outputError(path, what, err);
  }
}

/**
 * Runs an output step; an E_OUTPUT it throws is kept in `failed` (the report is still printed, the
 * command then exits 8), anything else propagates.
 */
export async function keepOutputError(failed: VoipreadyError[], step: () => unknown): Promise<void> {
  try {
    await step();
  } catch (err) {
    if (!(err instanceof VoipreadyError) || err.code !== 'E_OUTPUT') throw err;
    failed.push(err);
  }
}

/** prints the kept output errors; their exit code, or `otherwise` when there are none */
export function reportOutputErrors(failed: VoipreadyError[], otherwise: number): number {
  for (const e of failed) process.stderr.write(`voipready: ${e.message}\n`);
  return failed.length > 0 ? (failed[0]?.exitCode ?? otherwise) : otherwise;
}
