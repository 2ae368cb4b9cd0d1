/**
 * Test-only: what the far side of test/helpers/impair-relay.mjs must measure, computed from the relay's
 * own record of every packet it forwarded (sequence number, RTP timestamp, send time), independently of
 * src/measure/. Arrival order is send order: the relay's last hop is a veth or loopback, which neither
 * reorders nor adds variable delay worth counting at these figures.
 */
import { readFileSync } from 'node:fs';

export interface RelayStreamTruth {
  srcPort: number;
  ssrc: string;
  payloadType: number;
  received: number;
  forwarded: number;
  firstSeq: number | null;
  lastSeq: number | null;
  droppedSeqs: number[];
  echoes: number;
  /** [seq, RTP timestamp, send time ms] in send order */
  sent: Array<[number, number, number]>;
  truncated: boolean;
}

export interface RelayTruthFile {
  truth: RelayStreamTruth[];
  stillHeld: number;
  heldDropped: number;
}

export function readRelayTruth(file: string): RelayTruthFile {
  return JSON.parse(readFileSync(file, 'utf8')) as RelayTruthFile;
}

export interface FarSideFigures {
  received: number;
  /** RFC 3550 A.3: extended highest sequence number received - the first + 1 */
  expected: number;
  lost: number;
  lossPercent: number;
  /** RFC 3550 A.8 interarrival jitter, ms: mean over the packets (after the first), max, last */
  jitterMeanMs: number;
  jitterMaxMs: number;
  jitterLastMs: number;
  /** packets that arrived after one with a higher sequence number */
  reordered: number;
}

/**
 * Loss the RFC 3550 A.3 way (expected from the first and the highest extended sequence number; a late
 * packet counts as received, not lost) and jitter the A.8 way, J += (|D| - J) / 16, with D the change
 * of transit time (arrival - RTP timestamp) between consecutive arrivals, in arrival order.
 */
export function farSide(sent: ReadonlyArray<readonly [number, number, number]>, clockRate: number): FarSideFigures {
  let cycles = 0;
  let maxSeq = -1;
  let base = 0;
  let reordered = 0;
  let j = 0;
  let jSum = 0;
  let jMax = 0;
  let prevTransit: number | null = null;
  sent.forEach(([seq, ts, atMs], i) => {
    if (i === 0) {
      base = seq;
      maxSeq = seq;
    } else {
      const delta = (seq - maxSeq) & 0xffff;
      if (delta > 0 && delta < 0x8000) {
        if (seq < maxSeq) cycles += 0x10000;
        maxSeq = seq;
      } else if (delta !== 0) {
        reordered++;
      }
    }
    // transit in timestamp units; the RTP timestamp wraps at 2^32, so differences are taken mod 2^32
    const transit = (atMs * clockRate) / 1000 - ts;
    if (prevTransit !== null) {
      let d = transit - prevTransit;
      d = ((d % 4294967296) + 4294967296 + 2147483648) % 4294967296 - 2147483648;
      j += (Math.abs(d) - j) / 16;
      jSum += j;
      jMax = Math.max(jMax, j);
    }
    prevTransit = transit;
  });
  const expected = sent.length === 0 ? 0 : cycles + maxSeq - base + 1;
  const lost = expected - sent.length;
  const toMs = 1000 / clockRate;
  return {
    received: sent.length, expected, lost, lossPercent: expected === 0 ? 0 : (100 * lost) / expected,
    jitterMeanMs: sent.length > 1 ? (jSum / (sent.length - 1)) * toMs : 0, jitterMaxMs: jMax * toMs, jitterLastMs: j * toMs,
    reordered,
  };
}
