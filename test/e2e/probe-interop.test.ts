/**
 * STAMP interop against a minimal RFC 8762 peer written from the RFCs in Python's standard library
 * (test/helpers/stamp_reflector.py), both ways round, on loopback.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OwnedProcess } from '../helpers/netns.js';

const root = join(import.meta.dirname, '../..');
const py = join(root, 'test/helpers/stamp_reflector.py');
const hasPython = spawnSync('python3', ['--version']).status === 0;
const procs: OwnedProcess[] = [];

function start(argv: string[], name: string): OwnedProcess {
  const p = new OwnedProcess(name, spawn(argv[0]!, argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] }));
  procs.push(p);
  return p;
}

describe.skipIf(!hasPython)('STAMP interop with a Python RFC 8762 peer', () => {
  afterAll(async () => {
    await Promise.all(procs.map((p) => p.stop('SIGTERM', 2000)));
  });

  it('our sender against the Python reflector', async () => {
    const r = start(['python3', py, 'reflect', '0'], 'py-reflector');
    await r.waitFor(/ready \d+/, 10_000);
    const port = /ready (\d+)/.exec(r.stdout)![1]!;
    const out = execFileSync('node', ['bin/voipready', 'probe', 'send', '--to', `127.0.0.1:${port}`, '--duration', '2s', '--json'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    const p = JSON.parse(out).probe;
    expect(p.packetsSent).toBe(100);
    expect(p.packetsReceived).toBe(100);
    expect(p.forward.lost + p.backward.lost).toBe(0);
    expect(p.rttMs.p50).toBeLessThan(20);
    // the Python reflector fills CoS DSCP2 from IP_RECVTOS when the native socket set EF
    expect(p.forward.dscpReceived).toBe(p.forward.dscpSent === null ? p.forward.dscpReceived : 46);
  }, 40_000);

  it('the Python sender against our reflector', async () => {
    const r = start(['node', 'bin/voipready', 'probe', 'reflect', '--listen', '127.0.0.1:0'], 'reflector');
    await r.waitFor(/STAMP reflector on 127\.0\.0\.1:\d+/, 10_000);
    const port = /STAMP reflector on 127\.0\.0\.1:(\d+)/.exec(r.stderr)![1]!;
    const res = JSON.parse(execFileSync('python3', [py, 'send', '127.0.0.1', port, '20'], { encoding: 'utf8', timeout: 30_000 }));
    expect(res.replies).toHaveLength(20);
    res.replies.forEach((x: any, i: number) => {
      expect(x).toMatchObject({ seq: i, senderSeq: i, ssid: 4242, senderTimestampMatches: true, senderErrorEstimate: 1, length: 52 });
      expect(x.rttMs).toBeGreaterThanOrEqual(0);
      expect(x.rttMs).toBeLessThan(50);
      expect(x.cos).toHaveLength(1);
      expect(x.cos[0].dscp1).toBe(46);
    });
    if (r.stderr.includes('DSCP unknown')) return;
    expect(res.replies.every((x: any) => x.cos[0].dscp2 === 46 && x.tos >> 2 === 46 && x.ttl === 64)).toBe(true);
  }, 40_000);
});
