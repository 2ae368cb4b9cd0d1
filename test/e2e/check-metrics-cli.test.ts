/**
 * alg-check / nat-check --textfile from the command line, on loopback: a name the collector would
 * ignore is a usage error before anything is sent; a file that cannot be written is exit 8 after the
 * verdict is printed; a check that cannot run still writes its file with success 0 (then exits 7).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { parseExposition, waitFor } from '../helpers/prometheus.js';

const PORT = 20000 + Math.floor(Math.random() * 20000);
let echo: ChildProcess;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vralg-cli-'));
  let err = '';
  echo = spawn(process.execPath, [BIN, 'alg-echo', '--listen', `127.0.0.1:${PORT}`, '--transport', 'udp'], { stdio: ['ignore', 'ignore', 'pipe'] });
  echo.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  await waitFor(async () => /listening/.test(err), 15_000, () => `alg-echo: ${err}`);
});
afterAll(() => {
  if (echo?.pid !== undefined && echo.exitCode === null) process.kill(echo.pid, 'SIGTERM');
  rmSync(dir, { recursive: true, force: true });
});

describe('--textfile on the command line', () => {
  it('a name not ending in .prom: exit 3 before the check runs', () => {
    const r = runCli(['alg-check', '--server', `127.0.0.1:${PORT}`, '--local-port', '0', '--textfile', join(dir, 'alg.txt')]);
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/--textfile ".*alg\.txt": the name must end in \.prom/);
    expect(r.stdout).toBe('');
  });

  it('a directory that does not exist: the verdict is printed, then exit 8 naming the file', () => {
    const path = join(dir, 'missing', 'alg.prom');
    const r = runCli(['alg-check', '--server', `127.0.0.1:${PORT}`, '--local-port', '0', '--textfile', path]);
    expect(r.stdout).toContain('no rewriting seen');
    expect(r.stderr).toContain(`${path}: cannot write the metrics textfile (--textfile)`);
    expect(r.status).toBe(8);
  });

  it('a good run writes the file (no temporary file left), with the server label as host:port', () => {
    const path = join(dir, 'alg.prom');
    const r = runCli(['alg-check', '--server', `127.0.0.1:${PORT}`, '--local-port', '0', '--textfile', path]);
    expect(r.status, r.stderr).toBe(0);
    const m = parseExposition(readFileSync(path, 'utf8'));
    expect(m.get(`voipready_alg_check_alg_detected|server=127.0.0.1:${PORT},site=default,transport=udp`)).toBe(0);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('nat-check with no STUN server answering: success 0 in the file, exit 7', () => {
    const path = join(dir, 'nat.prom');
    // the echo's SIP port: UDP is open there, but it is not STUN (and --stun-server is off)
    const r = runCli(['nat-check', '--stun', `127.0.0.1:${PORT}`, '--timeout', '400ms', '--textfile', path]);
    expect(r.status).toBe(7);
    const m = parseExposition(readFileSync(path, 'utf8'));
    expect(m.get(`voipready_nat_check_success|server=127.0.0.1:${PORT},site=default`)).toBe(0);
    expect([...m.keys()].some((k) => k.startsWith('voipready_nat_check_info|'))).toBe(false);
  });

  it('alg-check that cannot reach its echo: success 0 in the file, exit 7', () => {
    const path = join(dir, 'alg-down.prom');
    const r = runCli(['alg-check', '--server', `127.0.0.1:${PORT}`, '--transport', 'tcp', '--local-port', '0', '--timeout', '500ms', '--textfile', path]);
    expect(r.status).toBe(7);
    const m = parseExposition(readFileSync(path, 'utf8'));
    expect(m.get(`voipready_alg_check_success|server=127.0.0.1:${PORT},site=default,transport=tcp`)).toBe(0);
    expect(m.has(`voipready_alg_check_alg_detected|server=127.0.0.1:${PORT},site=default,transport=tcp`)).toBe(false);
  });

  it('alg-echo --listen-http: a bad address is a usage error (3), one that cannot be bound E_LISTEN (6), the echo closed again', () => {
    const bad = runCli(['alg-echo', '--listen', '127.0.0.1:0', '--listen-http', '127.0.0.1:99999']);
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/--listen-http/);
    const unbindable = runCli(['alg-echo', '--listen', '127.0.0.1:0', '--listen-http', '192.0.2.123:9465']);
    expect(unbindable.status).toBe(6);
    expect(unbindable.stderr).toMatch(/cannot listen on 192\.0\.2\.123:9465/);
  });
});
