/**
 * Graceful shutdown of `voipready proxy` with real user agents (Debian's sipp) that never hang up:
 * on SIGTERM the proxy stops new calls, waits --grace, then ends what is still up itself. An answered
 * call gets a BYE on both legs (the caller and the callee each answer it 200, so both sipp
 * instances finish their scenario successfully); a ringing call is cancelled toward the callee,
 * whose 487 reaches the caller, who ACKs it. The report counts it and the call ends in it.
 * Each case runs in a namespace of its own. Needs root, ip, sipp and a built dist/.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns } from '../helpers/netns.js';

const LO = '127.0.0.1';
const PROXY_PORT = 5060;
const UAS_PORT = 5070;
const UAC_PORT = 5080;
const SCENARIOS = join(ROOT, 'test', 'e2e', 'sipp');

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'sipp', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-shutdown e2e skipped: ${skip}\n`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ShutdownRun {
  uacExit: number | null;
  uasExit: number | null;
  report: any;
  stderr: string;
  uacOut: string;
}

async function shutdownWithCallUp(lab: Lab, dir: string, role: 'answered' | 'ringing'): Promise<ShutdownRun> {
  const ns = lab.ns(role);
  const reportFile = join(dir, `${role}.json`);
  const proxy = lab.spawn(ns, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${LO}:${PROXY_PORT}`,
    '--upstream', `${LO}:${UAS_PORT}`, '--rtp-ports', '40000-40099', '--grace', '1', '--report', reportFile, '--json'], { name: `proxy ${role}` });
  await proxy.waitFor(/proxy on udp\+tcp/, 15_000);
  const uasArgs = role === 'answered' ? ['-sn', 'uas'] : ['-sf', join(SCENARIOS, 'uas-ring-forever.xml')];
  const uas = lab.spawn(ns, ['sipp', ...uasArgs, '-i', LO, '-p', String(UAS_PORT), '-m', '1', '-nostdin', '-timeout', '30s'], { cwd: dir, name: `sipp uas ${role}` });
  const end = Date.now() + 5000;
  while (!lab.exec(ns, ['ss', '-Hlun', `sport = :${UAS_PORT}`]).includes(`:${UAS_PORT}`) && Date.now() < end) await sleep(50);
  const uacScenario = join(SCENARIOS, role === 'answered' ? 'uac-wait-bye.xml' : 'uac-ringing.xml');
  const uac = lab.spawn(ns, ['sipp', `${LO}:${PROXY_PORT}`, '-sf', uacScenario, '-s', 'bob', '-i', LO, '-p', String(UAC_PORT), '-m', '1', '-nostdin', '-timeout', '30s'],
    { cwd: dir, name: `sipp uac ${role}` });
  // the call is up (answered, or ringing) and stays so: neither side would ever end it
  await sleep(1500);
  const stopped = proxy.stop('SIGTERM', 15_000);
  const uacExit = await uac.wait(20_000);
  const uasExit = await uas.wait(10_000);
  await stopped;
  return { uacExit, uasExit, report: JSON.parse(readFileSync(reportFile, 'utf8')), stderr: proxy.stderr, uacOut: uac.stdout };
}

describe.skipIf(skip !== null)(`proxy shutdown ends the calls still up${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  const runs = new Map<string, ShutdownRun>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-shutdown-'));
    lab = Lab.create(['answered', 'ringing']);
    const [a, r] = await Promise.all([shutdownWithCallUp(lab, dir, 'answered'), shutdownWithCallUp(lab, dir, 'ringing')]);
    runs.set('answered', a);
    runs.set('ringing', r);
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('an answered call: BYE on both legs, both user agents answer 200 and finish their scenario', () => {
    const r = runs.get('answered')!;
    expect(r.uacExit, r.uacOut.slice(-1500)).toBe(0);
    expect(r.uasExit).toBe(0);
    expect(r.report.proxy.endedAtShutdown).toEqual({ calls: 1, byeSent: 2, byeAnswered: 2, cancelSent: 0, cancelAnswered: 0 });
    expect(r.stderr).toMatch(/ended 1 call\(s\): 2 BYE sent \(2 answered\)/);
    // the analysis saw the proxy's BYEs: the call ended, not left hanging
    const calls = r.report.calls as any[];
    expect(calls).toHaveLength(1);
    expect(calls[0].finalStatus).toBe(200);
    expect(calls[0].state).toBe('ended');
  });

  it('a ringing call: CANCEL toward the callee, its 487 reaches the caller, who ACKs', () => {
    const r = runs.get('ringing')!;
    expect(r.uacExit, r.uacOut.slice(-1500)).toBe(0);
    expect(r.uasExit).toBe(0);
    expect(r.report.proxy.endedAtShutdown).toEqual({ calls: 1, byeSent: 0, byeAnswered: 0, cancelSent: 1, cancelAnswered: 1 });
    const calls = r.report.calls as any[];
    expect(calls).toHaveLength(1);
    expect(calls[0].finalStatus).toBe(487);
  });
});
