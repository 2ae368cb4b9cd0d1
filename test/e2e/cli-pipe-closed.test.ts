/**
 * `voipready ... | head`: the reader closes the pipe early. The CLI must stop quietly (exit 0, no
 * EPIPE stack trace), as command-line tools do on SIGPIPE.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';

function runAndCloseEarly(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    // read the first chunk, then go away like `head -1`
    child.stdout.once('data', () => child.stdout.destroy());
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('CLI did not stop after its reader left')); }, 60_000);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}

describe('output pipe closed by the reader', () => {
  it.each([
    ['--help', ['--help']],
    ['analyze --json of a capture', ['analyze', 'fixtures/captures/many-streams.pcap', '--json', '--series']],
  ])('%s: exits 0 without a stack trace', async (_name, args) => {
    const r = await runAndCloseEarly(args);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    expect(r.code).toBe(0);
  });
});
