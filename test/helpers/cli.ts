/** Runs the compiled CLI (bin/voipready) as a user would, for golden and e2e tests. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}bin/voipready`;

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { input?: Buffer; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input: opts.input,
    encoding: 'buffer',
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
  });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

export function analyzeJson(capture: string, extra: string[] = []): { report: any; result: CliResult } {
  const result = runCli(['analyze', capture, '--json', ...extra]);
  let report: any = null;
  try {
    report = JSON.parse(result.stdout);
  } catch {
    throw new Error(`no JSON from analyze ${capture} (exit ${result.status}): ${result.stderr.slice(0, 500)}`);
  }
  return { report, result };
}
