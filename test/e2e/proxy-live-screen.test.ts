/**
 * The proxy's live terminal summary on a real pseudo-terminal (util-linux `script` gives the proxy a
 * TTY), while sipp holds a call through it: the screen shows the call up with its state; the same
 * run without a TTY (stderr a pipe) shows no screen at all. In a namespace the test creates; needs
 * root, ip, script, sipp and a built dist/.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns } from '../helpers/netns.js';

const LO = '127.0.0.1';

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'script', 'sipp', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-live-screen e2e skipped: ${skip}\n`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function heldCall(lab: Lab, dir: string, role: string, tty: boolean): Promise<string> {
  const ns = lab.ns(role);
  const proxyArgs = [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${LO}:5060`, '--upstream', `${LO}:5070`,
    '--rtp-ports', '40000-40099', '--grace', '1', '--report', join(dir, `${role}.json`)];
  const typescript = join(dir, `${role}.tty`);
  // script -f flushes each write to the file, -e passes the exit code on
  const argv = tty ? ['script', '-qfec', proxyArgs.map((a) => `'${a}'`).join(' '), typescript] : proxyArgs;
  const proxy = lab.spawn(ns, argv, { name: `proxy ${role}` });
  const end = Date.now() + 15_000;
  while (!lab.exec(ns, ['ss', '-Hlun', 'sport = :5060']).includes(':5060') && Date.now() < end) await sleep(100);
  const uas = lab.spawn(ns, ['sipp', '-sn', 'uas', '-i', LO, '-p', '5070', '-m', '1', '-nostdin', '-timeout', '20s'], { cwd: dir, name: 'uas' });
  await sleep(300);
  const uac = lab.spawn(ns, ['sipp', `${LO}:5060`, '-sn', 'uac', '-i', LO, '-p', '5080', '-m', '1', '-d', '3500', '-nostdin', '-timeout', '20s'], { cwd: dir, name: 'uac' });
  await uac.wait(20_000);
  await uas.wait(5_000);
  await proxy.stop('SIGTERM', 15_000);
  return tty ? readFileSync(typescript, 'utf8') : proxy.stderr;
}

describe.skipIf(skip !== null)(`proxy live summary${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let onTty = '';
  let onPipe = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-live-'));
    lab = Lab.create(['ttyon', 'ttyoff']);
    [onTty, onPipe] = await Promise.all([heldCall(lab, dir, 'ttyon', true), heldCall(lab, dir, 'ttyoff', false)]);
  }, 60_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('on a TTY: redrawn in place, the held call shown up and answered', () => {
    expect(onTty).toContain('\x1b[H\x1b[J');
    expect(onTty).toMatch(/voipready proxy 127\.0\.0\.1:5060 -> 127\.0\.0\.1:5070 \| \d\d:\d\d:\d\d UTC \| up [\d:]+ \| 1 call\(s\) active/);
    expect(onTty).toMatch(/\n\S+\s+answered\s+00:0\d/);
  });

  it('without a TTY: no screen, only the log lines', () => {
    expect(onPipe).toContain('proxy on udp+tcp');
    expect(onPipe).not.toContain('\x1b[');
    expect(onPipe).not.toContain('call(s) active');
  });
});
