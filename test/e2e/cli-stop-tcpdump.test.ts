/**
 * The README's own live pipe with the real tcpdump: `tcpdump -i lo -U -w - udp port P | voipready
 * analyze -`, RTP sent over loopback, then Ctrl-C as a terminal delivers it (SIGINT to both sides of
 * the pipe). voipready must print the report of what it read: the stream, with the packets we sent
 * (the sender's count is the truth), instead of dying with empty output (issue 15).
 * Needs tcpdump and the right to capture on lo (root or CAP_NET_RAW); skips with the reason otherwise.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { rtpPacket } from '../helpers/pcap-writer.js';

const TCPDUMP = '/usr/bin/tcpdump';
/** tcpdump says "listening on lo" once it may capture there (it is then stopped by the timeout) */
const canCapture = existsSync(TCPDUMP) && /listening on lo/.test(spawnSync(TCPDUMP, ['-i', 'lo', '-w', '/dev/null', 'udp port 9'], { timeout: 1500, encoding: 'utf8' }).stderr ?? '');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** has the process installed a handler for SIGINT (bit 2 of /proc/PID/status SigCgt)? */
function catchesSigint(pid: number): boolean {
  const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m !== null && (BigInt(`0x${m[1]}`) & 2n) !== 0n;
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !ok(); await sleep(20)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
}

const closed = (p: ChildProcess) => new Promise<number | null>((resolve) => p.on('close', (code) => resolve(code)));

describe.skipIf(!canCapture)('Ctrl-C on tcpdump -w - | voipready analyze - (real tcpdump on lo)', () => {
  it('prints the report of the packets captured before the signal', async () => {
    const rx = createSocket('udp4');
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
    const port = rx.address().port;
    const tcpdump = spawn(TCPDUMP, ['-i', 'lo', '-U', '-w', '-', `udp and dst port ${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let dumpErr = '';
    tcpdump.stderr!.on('data', (d) => { dumpErr += d; });
    const voip = spawn(process.execPath, [BIN, 'analyze', '-', '--json'], { cwd: ROOT, stdio: [tcpdump.stdout!, 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    voip.stdout!.on('data', (d) => { stdout += d; });
    voip.stderr!.on('data', (d) => { stderr += d; });
    // our copy of the pipe's read end: voipready has its own, and a copy nobody reads would keep tcpdump's 'close' from coming
    tcpdump.stdout!.destroy();
    const voipClosed = closed(voip);
    const dumpExited = new Promise((resolve) => tcpdump.on('exit', resolve));
    const tx = createSocket('udp4');
    try {
      await until('tcpdump to listen', () => /listening on lo/.test(dumpErr));
      await until('voipready to handle SIGINT', () => catchesSigint(voip.pid!));
      const sent = 100;
      for (let i = 0; i < sent; i++) {
        await new Promise<void>((r) => tx.send(rtpPacket({ seq: 1000 + i, ts: 160 * i, ssrc: 0x5eed0001, pt: 8 }), port, '127.0.0.1', () => r()));
        await sleep(2);
      }
      await sleep(1500); // tcpdump writes each packet at once (-U); voipready reads as it arrives
      // what a terminal's Ctrl-C does: SIGINT to every process of the pipeline
      tcpdump.kill('SIGINT');
      voip.kill('SIGINT');
      const code = await voipClosed;
      await dumpExited;
      expect(code).not.toBeNull(); // it ended by itself, with its report
      const report = JSON.parse(stdout);
      const stream = report.streams.find((s: { ssrc: string }) => s.ssrc === '0x5eed0001');
      expect(stream).toMatchObject({ packets: sent, expected: sent, lost: 0, detection: 'heuristic' });
      expect(report.input.error).toBeNull();
      // tcpdump's end of file may come first, or our signal: either way every packet is in the report
      expect(stderr).not.toMatch(/internal error|at .*\.js:\d+/);
      expect(code).toBe(report.verdict === 'fail' ? 1 : 0);
    } finally {
      tx.close();
      rx.close();
      if (tcpdump.exitCode === null) tcpdump.kill('SIGKILL');
      if (voip.exitCode === null) voip.kill('SIGKILL');
    }
  }, 60_000);
});
