/**
 * The impairment relay (test/helpers/impair-relay.mjs) on loopback, against what this test sent and
 * received itself: the test is the sender (127.0.0.2:P, every 10 ms) and the far side (a socket on
 * 127.0.0.1), so the delays, drops and reordering the relay claims in its truth are checked against an
 * independent record. No root needed; ports chosen at random.
 */
import { spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { OwnedProcess } from '../helpers/netns.js';
import { farSide, readRelayTruth, type RelayTruthFile } from '../helpers/impair-truth.js';

const RELAY = join(ROOT, 'test', 'helpers', 'impair-relay.mjs');
const PACKETS = 300;
const SPACING_MS = 10;
const DELAY_MS = 30;
const JITTER_MS = 10;
const LOSS_PCT = 5;
const REORDER_PCT = 3;
const REORDER_MS = 25;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

interface Arrival {
  seq: number;
  ts: number;
  atMs: number;
}

function rtp(seq: number, ssrc: number, pt: number): Buffer {
  const b = Buffer.alloc(172);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE((seq * 80) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

async function bind(sock: Socket, port: number, ip: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, ip, () => resolve());
  });
}

describe('impair-relay on loopback: its truth is what the far side got', () => {
  let dir = '';
  let truth: RelayTruthFile;
  const sentAt = new Map<number, number>();
  const arrivals: Arrival[] = [];
  let dtmfArrivals = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vrimp-relay-'));
    const far = createSocket('udp4');
    await bind(far, 0, '127.0.0.1');
    far.on('message', (m: Buffer) => {
      if (m[1]! === 101) {
        dtmfArrivals++;
        return;
      }
      arrivals.push({ seq: m.readUInt16BE(2), ts: m.readUInt32BE(4), atMs: now() });
    });
    const sender = createSocket('udp4');
    await bind(sender, 0, '127.0.0.2');
    const listenPort = 20_000 + Math.floor(Math.random() * 20_000);
    const truthFile = join(dir, 'truth.json');
    const relay = new OwnedProcess('relay', spawn(process.execPath, [RELAY, '--listen', `127.0.0.1:${listenPort}`,
      '--to', `127.0.0.1:${far.address().port}`, '--out-ip', '127.0.0.1', '--pt', '8', '--seed', '7', '--loss-pct', String(LOSS_PCT),
      '--delay-ms', String(DELAY_MS), '--jitter-ms', String(JITTER_MS), '--reorder-pct', String(REORDER_PCT), '--reorder-ms', String(REORDER_MS),
      '--truth', truthFile, '--max-seconds', '30'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await relay.waitFor(/"ready":true/, 10_000);
      const t0 = now();
      for (let k = 0; k < PACKETS; k++) {
        while (now() < t0 + k * SPACING_MS) await sleep(1);
        sentAt.set(k, now());
        sender.send(rtp(k, 0x1234, 8), listenPort, '127.0.0.1');
        // an RFC 4733-like stream on the same port: never dropped (--pt 8)
        if (k % 30 === 0) sender.send(rtp(k, 0x5678, 101), listenPort, '127.0.0.1');
      }
      await sleep(DELAY_MS + JITTER_MS + REORDER_MS + 200);
      await relay.stop('SIGTERM', 3000);
      truth = readRelayTruth(truthFile);
    } finally {
      sender.close();
      far.close();
      await relay.stop('SIGKILL', 1000);
    }
  }, 40_000);

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('received, dropped and forwarded add up, and the far side got exactly the forwarded sequence numbers', () => {
    const g711 = truth.truth.find((s) => s.payloadType === 8)!;
    expect(g711.received).toBe(PACKETS);
    expect(g711.forwarded + g711.droppedSeqs.length).toBe(PACKETS);
    expect(g711.sent).toHaveLength(g711.forwarded);
    expect(arrivals.map((a) => a.seq).sort((x, y) => x - y)).toEqual(g711.sent.map((r) => r[0]).sort((x, y) => x - y));
    // 5 % of 300 is 15; a seeded draw within a generous binomial band (+- 3 sigma ~ 11)
    expect(g711.droppedSeqs.length).toBeGreaterThan(4);
    expect(g711.droppedSeqs.length).toBeLessThan(27);
    const dtmf = truth.truth.find((s) => s.payloadType === 101)!;
    expect(dtmf.droppedSeqs).toEqual([]);
    expect(dtmfArrivals).toBe(dtmf.received);
    expect(truth.stillHeld).toBe(0);
  });

  it('delays each packet by 30 ms +- 10 ms (plus 25 ms for the reordered few), as the far side measures it', () => {
    const delays = arrivals.map((a) => a.atMs - sentAt.get(a.seq)!).sort((x, y) => x - y);
    const median = delays[Math.floor(delays.length / 2)]!;
    // timers fire late, never early; loopback adds microseconds
    expect(delays[0]!).toBeGreaterThanOrEqual(DELAY_MS - JITTER_MS - 1);
    expect(median).toBeGreaterThan(DELAY_MS - 3);
    expect(median).toBeLessThan(DELAY_MS + 6);
    const spread = delays[Math.floor(delays.length * 0.9)]! - delays[Math.floor(delays.length * 0.1)]!;
    // uniform +- 10: the 10th to 90th percentile spans about 16 ms
    expect(spread).toBeGreaterThan(10);
    expect(spread).toBeLessThan(30);
  });

  it('reorders packets, and the RFC 3550 loss and jitter from its truth are those the far side computes from its own arrivals', () => {
    const g711 = truth.truth.find((s) => s.payloadType === 8)!;
    const fromTruth = farSide(g711.sent, 8000);
    const byArrival = [...arrivals].sort((x, y) => x.atMs - y.atMs).map((a) => [a.seq, a.ts, a.atMs] as [number, number, number]);
    const measured = farSide(byArrival, 8000);
    process.stderr.write(`impair-relay loopback: truth loss ${fromTruth.lossPercent.toFixed(2)} % jitter ${fromTruth.jitterMeanMs.toFixed(2)} ms (${fromTruth.reordered} reordered); far side ${measured.lossPercent.toFixed(2)} % ${measured.jitterMeanMs.toFixed(2)} ms\n`);
    expect(fromTruth.reordered).toBeGreaterThan(0);
    expect(measured.lost).toBe(fromTruth.lost);
    expect(Math.abs(measured.jitterMeanMs - fromTruth.jitterMeanMs)).toBeLessThan(0.05 * fromTruth.jitterMeanMs);
    // uniform +- 10 ms of delay at 10 ms spacing: E|D| = 20/3 ms, so J settles near 6-7 ms (more with the reorder holds)
    expect(fromTruth.jitterMeanMs).toBeGreaterThan(4);
    expect(fromTruth.jitterMeanMs).toBeLessThan(12);
  });
});

describe('impair-relay --dist normal: the delay spread of a normal draw', () => {
  const delays: number[] = [];

  beforeAll(async () => {
    const far = createSocket('udp4');
    await bind(far, 0, '127.0.0.1');
    const sentAt = new Map<number, number>();
    far.on('message', (m: Buffer) => delays.push(now() - sentAt.get(m.readUInt16BE(2))!));
    const sender = createSocket('udp4');
    await bind(sender, 0, '127.0.0.2');
    const listenPort = 20_000 + Math.floor(Math.random() * 20_000);
    const relay = new OwnedProcess('relay normal', spawn(process.execPath, [RELAY, '--listen', `127.0.0.1:${listenPort}`,
      '--to', `127.0.0.1:${far.address().port}`, '--out-ip', '127.0.0.1', '--seed', '3', '--delay-ms', '40', '--jitter-ms', '10',
      '--dist', 'normal', '--max-seconds', '20'], { stdio: ['ignore', 'pipe', 'pipe'] }));
    try {
      await relay.waitFor(/"ready":true/, 10_000);
      for (let k = 0; k < 300; k++) {
        sentAt.set(k, now());
        sender.send(rtp(k, 0x4321, 8), listenPort, '127.0.0.1');
        await sleep(5);
      }
      await sleep(200);
    } finally {
      sender.close();
      far.close();
      await relay.stop('SIGTERM', 3000);
    }
  }, 30_000);

  it('every packet arrives, centred on 40 ms, the 10th to 90th percentile about 2 x 1.28 sigma wide', () => {
    expect(delays).toHaveLength(300);
    const d = [...delays].sort((x, y) => x - y);
    const median = d[150]!;
    const spread = d[270]! - d[30]!;
    process.stderr.write(`impair-relay normal: median ${median.toFixed(1)} ms, p10-p90 ${spread.toFixed(1)} ms\n`);
    expect(median).toBeGreaterThan(37);
    expect(median).toBeLessThan(46);
    // sigma 10: 25.6 ms; uniform +- 10 would give 16
    expect(spread).toBeGreaterThan(19);
    expect(spread).toBeLessThan(36);
  });
});
