/**
 * A real HEP sender: Debian's kamailio 5.6 as a stateless SIP proxy on loopback, its siptrace module
 * mirroring every SIP message it receives and sends as HEPv3 (trace_mode 1, capture id 2001) to
 * `voipready monitor --hep-listen`; sipp (sip-tester) places CALLS calls uac -> kamailio -> uas.
 *
 * Checked against what sipp and kamailio did: every SIP message arrives (each passes the proxy twice:
 * in and out, so 2 x the messages of sipp's uac log), the report's calls are sipp's Call-IDs, ended
 * with 200, from the uac's address, started within the run and lasting sipp's -d. Needs kamailio, sipp
 * and a built dist/; skipped with the reason otherwise. Free loopback ports, every process owned by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { exitOf, freePort, hasCommand, sampleValue, startMonitor, type RunningMonitor } from '../helpers/monitor.js';

const MODULES = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
const CALLS = 3;
const HOLD_MS = 500;

function whyNot(): string | null {
  const missing = ['kamailio', 'sipp'].filter((c) => !hasCommand(c));
  if (missing.length > 0) return `missing ${missing.join(', ')} (Debian packages kamailio, sip-tester)`;
  if (!existsSync(join(MODULES, 'siptrace.so'))) return `${MODULES}/siptrace.so absent`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`monitor-kamailio e2e skipped: ${skip}\n`);

function kamailioConfig(proxyPort: number, uasPort: number, hepPort: number): string {
  return `#!KAMAILIO
debug=2
log_stderror=yes
children=1
disable_tcp=yes
auto_aliases=no
listen=udp:127.0.0.1:${proxyPort}
mpath="${MODULES}/"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "maxfwd.so"
loadmodule "siptrace.so"
modparam("siptrace", "duplicate_uri", "sip:127.0.0.1:${hepPort}")
modparam("siptrace", "hep_mode_on", 1)
modparam("siptrace", "hep_version", 3)
modparam("siptrace", "hep_capture_id", 2001)
modparam("siptrace", "trace_on", 1)
modparam("siptrace", "trace_to_database", 0)
modparam("siptrace", "trace_mode", 1)
request_route {
  if (!mf_process_maxfwd_header("10")) { sl_send_reply("483", "Too Many Hops"); exit; }
  forward("127.0.0.1", ${uasPort});
}
`;
}

describe.skipIf(skip !== null)(`kamailio siptrace (HEPv3) -> monitor, sipp calls through the proxy${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir = '';
  const procs: ChildProcess[] = [];
  let mon: RunningMonitor;
  let result: Awaited<ReturnType<RunningMonitor['stop']>>;
  let metricsText = '';
  let uacPort = 0;
  let sippCallIds: string[] = [];
  let sippMessages = 0;
  let t0 = 0;
  let t1 = 0;
  let uacExit: number | null = null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-monitor-kam-'));
    mon = await startMonitor(['--hep-listen', '127.0.0.1:0'], join(dir, 'report.json'));
    const proxyPort = await freePort();
    const uasPort = await freePort();
    uacPort = await freePort();
    writeFileSync(join(dir, 'kamailio.cfg'), kamailioConfig(proxyPort, uasPort, mon.hepPort));
    const kam = spawn('kamailio', ['-DD', '-E', '-f', join(dir, 'kamailio.cfg'), '-P', join(dir, 'kamailio.pid'), '-w', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    procs.push(kam);
    let kamLog = '';
    kam.stderr!.on('data', (b: Buffer) => (kamLog += b.toString()));
    const deadline = Date.now() + 10_000;
    while (!/SO_RCVBUF is finally|processes \(at least\)/.test(kamLog) && Date.now() < deadline && kam.exitCode === null) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    if (kam.exitCode !== null) throw new Error(`kamailio exited ${kam.exitCode}: ${kamLog.slice(-2000)}`);
    const uas = spawn('sipp', ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uasPort), '-m', String(CALLS), '-nostdin', '-timeout', '30s'], { cwd: dir, stdio: 'ignore' });
    procs.push(uas);
    await new Promise((r) => setTimeout(r, 300));
    t0 = Date.now() / 1000;
    const uac = spawn('sipp', ['-sn', 'uac', `127.0.0.1:${proxyPort}`, '-i', '127.0.0.1', '-p', String(uacPort), '-m', String(CALLS), '-r', '5', '-d', String(HOLD_MS),
      '-nostdin', '-timeout', '30s', '-trace_msg', '-message_file', join(dir, 'uac.msg')], { cwd: dir, stdio: 'ignore' });
    procs.push(uac);
    uacExit = await exitOf(uac, 40_000);
    await exitOf(uas, 10_000);
    t1 = Date.now() / 1000;
    const log = readFileSync(join(dir, 'uac.msg'), 'utf8');
    const ids = [...log.matchAll(/^Call-ID: *(\S+)/gim)].map((m) => m[1]!);
    sippMessages = ids.length;
    sippCallIds = [...new Set(ids)].sort();
    // the last HEP packets are on their way; then the run ends
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      metricsText = await mon.metrics();
      if (sampleValue(metricsText, 'voipready_hep_packets_total', { agent: '2001', proto: 'sip' }) >= 2 * sippMessages) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    kam.kill('SIGTERM');
    await exitOf(kam, 10_000);
    result = await mon.stop();
  }, 120_000);

  afterAll(() => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    if (mon && mon.proc.exitCode === null) mon.proc.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sipp completed its calls through kamailio', () => {
    expect(uacExit).toBe(0);
    expect(sippCallIds).toHaveLength(CALLS);
    expect(sippMessages).toBe(6 * CALLS);
  });

  it('every SIP message arrives, in and out of the proxy, from agent 2001', () => {
    expect(sampleValue(metricsText, 'voipready_hep_packets_total', { agent: '2001', proto: 'sip' })).toBe(2 * sippMessages);
    for (const reason of ['not_hep', 'truncated', 'bad_length', 'bad_chunk', 'missing_field', 'unsupported_payload']) {
      expect(sampleValue(metricsText, 'voipready_hep_errors_total', { reason }), reason).toBe(0);
    }
  });

  it('tracks sipp\'s calls with the uac\'s address, times within the run and sipp\'s duration', () => {
    expect(result.code, result.stderr).toBe(0);
    const calls = result.report.calls as any[];
    expect(calls.map((c) => c.callId).sort()).toEqual(sippCallIds);
    for (const c of calls) {
      expect(c, JSON.stringify(c)).toMatchObject({ state: 'ended', finalStatus: 200, transport: 'udp', sipSrc: `127.0.0.1:${uacPort}` });
      const start = Date.parse(c.startTime) / 1000;
      expect(start).toBeGreaterThanOrEqual(t0 - 0.5);
      expect(start).toBeLessThanOrEqual(t1);
      expect(c.durationSeconds).toBeGreaterThanOrEqual(HOLD_MS / 1000 - 0.05);
      expect(c.durationSeconds).toBeLessThan(HOLD_MS / 1000 + 2);
      expect(c.setupMs).toBeGreaterThanOrEqual(0);
      expect(c.setupMs).toBeLessThan(1000);
    }
  });
});
