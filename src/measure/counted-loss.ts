/**
 * The loss voipready shows, never negative. tshark's figure (expected - received, `lost` in the report,
 * kept for comparison) goes negative when packets arrive twice (a capture that sees each packet twice,
 * a SPAN of both directions, RFC 4733 end-of-event packets sent three times) and is meaningless once
 * the sender restarts its sequence numbers (expected then spans from the first run's start to the last
 * run's end). Counted here instead:
 *  - without a restart: tshark's expected, duplicates counted once (tshark lost + duplicates), so the
 *    figure equals tshark's whenever nothing arrived twice;
 *  - with a restart (RFC 3550 A.1 resynchronisation): the expected packets of each run of sequence
 *    numbers added up (SequenceTracker.expected), minus the distinct packets received.
 */
export interface LossFigures {
  packets: number;
  /** tshark's expected and lost */
  expected: number;
  lost: number;
  /** our RFC 3550 accounting */
  duplicates: number;
  resets: number;
  /** RFC 3550 A.3 expected, added over the runs between restarts */
  expectedAcrossResets: number;
}

export interface CountedLoss {
  expected: number;
  lost: number;
  /** lost / expected in %, 0 when nothing is expected */
  percent: number;
}

export function countedLoss(f: LossFigures): CountedLoss {
  const distinct = f.packets - f.duplicates;
  const expected = f.resets > 0 ? f.expectedAcrossResets : f.expected;
  const lost = Math.max(0, f.resets > 0 ? expected - distinct : f.lost + f.duplicates);
  return { expected, lost, percent: expected > 0 ? (lost * 100) / expected : 0 };
}
