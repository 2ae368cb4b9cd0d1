/**
 * A third real HEP sender: Debian's sipgrep 2.1 (`sipgrep -I capture -H udp:127.0.0.1:PORT`) sends each
 * fixture capture's SIP as HEPv3 to `voipready monitor`; the monitor's calls equal `voipready analyze`
 * of the same capture (SIP over UDP, IPv4; sipgrep 2.1 matches no IPv6 SIP). sipgrep writes the capture-agent id like sngrep
 * (a 16-bit id, 101, in the upper half of chunk 12). Needs sipgrep and a built dist/; skipped otherwise.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeJson, ROOT } from '../helpers/cli.js';
import { exitOf, hasCommand, sampleValue, startMonitor, type RunningMonitor } from '../helpers/monitor.js';

// ipv6-call.pcapng is not used: sipgrep 2.1 matches no IPv6 SIP at all (it prints nothing for it, HEP or not)
const FIXTURES = ['clean-call.pcap', 'sample-call.pcapng'].map((f) => join(ROOT, 'fixtures', 'captures', f));
const FIELDS = ['callId', 'state', 'finalStatus', 'from', 'to', 'sipSrc', 'sipDst', 'transport', 'messages', 'startTime', 'setupMs', 'ringMs', 'durationSeconds'] as const;

function whyNot(): string | null {
  if (!hasCommand('sipgrep')) return 'missing sipgrep (Debian package sipgrep)';
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`monitor-sipgrep e2e skipped: ${skip}\n`);

const byId = (calls: any[]): any[] => calls.map((c) => Object.fromEntries(FIELDS.map((k) => [k, c[k]]))).sort((a, b) => String(a.callId).localeCompare(String(b.callId)));

describe.skipIf(skip !== null)(`sipgrep -H (HEPv3) -> monitor${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir = '';
  let mon: RunningMonitor;
  let result: Awaited<ReturnType<RunningMonitor['stop']>>;
  let metricsText = '';
  const expected: any[] = [];
  const exits: Array<number | null> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-monitor-sipgrep-'));
    for (const f of FIXTURES) expected.push(...analyzeJson(f).report.calls);
    mon = await startMonitor(['--hep-listen', '127.0.0.1:0'], join(dir, 'report.json'));
    for (const f of FIXTURES) {
      const p = spawn('sipgrep', ['-I', f, '-H', `udp:127.0.0.1:${mon.hepPort}`, '-C', '-x'], { cwd: dir, stdio: 'ignore' });
      exits.push(await exitOf(p, 20_000));
    }
    const messages = expected.reduce((n, c) => n + c.messages, 0);
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      metricsText = await mon.metrics();
      if (sampleValue(metricsText, 'voipready_hep_packets_total', { agent: '6619136', proto: 'sip' }) >= messages) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    result = await mon.stop();
  }, 120_000);

  afterAll(() => {
    if (mon && mon.proc.exitCode === null) mon.proc.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sipgrep sent every message of every fixture', () => {
    expect(exits).toEqual(FIXTURES.map(() => 0));
    expect(sampleValue(metricsText, 'voipready_hep_packets_total', { agent: '6619136', proto: 'sip' })).toBe(expected.reduce((n, c) => n + c.messages, 0));
  });

  it('the monitor\'s calls equal analyze of the same captures', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(byId(result.report.calls)).toEqual(byId(expected));
  });
});
