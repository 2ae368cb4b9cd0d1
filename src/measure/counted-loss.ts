/**
 * The loss voipready shows, never negative. tshark's figure (expected - received, `lost` in the report,
 * kept for comparison) goes negative when packets arrive twice (a capture that sees each packet twice,
 * a SPAN of both directions, RFC 4733 end-of-event packets sent three times) and is meaningless once
 * the sender restarts its sequence numbers (expected then spans from the first run's start to the last
 * run's end). Counted here instead:
 *  - without a restart: tshark's expected, duplicates counted once (tshark lost + duplicates), so the
 *    figure equals tshark's whenever nothing arrived twice;
 *  - with a restart (RFC 3550 A.1 resynchronisation): the expected packets of each run of sequence
 *    numbers added up (SequenceTracker.expected), minus the distinct packets received;
 *  - the same when the first packet was overtaken and tshark's expected counts a false wrap.
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
  // tshark takes the first packet's sequence number as the base: when that packet was overtaken (the
  // second sequence number is lower, as reordering at the start or a retransmitted RFC 4733 event
  // makes it), it counts a wrap and expects ~65,535 packets. RFC 3550 A.1 calls the early one
  // misordered and expects what the stream really spans: that figure is used then.
  const falseWrap = Math.abs(f.expected - f.expectedAcrossResets) >= FALSE_WRAP;
  const rfc = f.resets > 0 || falseWrap;
  const expected = rfc ? f.expectedAcrossResets : f.expected;
  const lost = Math.max(0, rfc ? expected - distinct : f.lost + f.duplicates);
  return { expected, lost, percent: expected > 0 ? (lost * 100) / expected : 0 };
}

/** half the sequence space: tshark's expected that far from RFC 3550's counted a wrap that is not one */
const FALSE_WRAP = 32768;
