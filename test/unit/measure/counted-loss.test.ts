/** The loss shown (src/measure/counted-loss.ts) and the interfaces' clocks (src/measure/interface-clocks.ts). */
import { describe, expect, it } from 'vitest';
import { countedLoss } from '../../../src/measure/counted-loss.js';
import { InterfaceClocks } from '../../../src/measure/interface-clocks.js';

const base = { packets: 100, expected: 100, lost: 0, duplicates: 0, resets: 0, expectedAcrossResets: 100 };

describe('countedLoss', () => {
  it('equals tshark\'s figure when nothing arrived twice or restarted', () => {
    expect(countedLoss({ ...base, packets: 95, lost: 5 })).toEqual({ expected: 100, lost: 5, percent: 5 });
  });
  it('a capture that sees every packet twice: tshark -18 of 18, counted 0 (ndpi-skinny-g711)', () => {
    expect(countedLoss({ ...base, packets: 36, expected: 18, lost: -18, duplicates: 18, expectedAcrossResets: 18 })).toEqual({ expected: 18, lost: 0, percent: 0 });
  });
  it('duplicates and loss together: the duplicates do not hide the loss (tshark says -5, 3 were dropped)', () => {
    expect(countedLoss({ ...base, packets: 155, expected: 150, lost: -5, duplicates: 8, expectedAcrossResets: 150 }).lost).toBe(3);
  });
  it('a sequence restart: the runs added up (rtpproxy-g729-reorder: tshark -475 of 2071, runs of 170 + 300 + 2076)', () => {
    expect(countedLoss({ ...base, packets: 2546, expected: 2071, lost: -475, resets: 2, expectedAcrossResets: 2546 })).toEqual({ expected: 2546, lost: 0, percent: 0 });
    expect(countedLoss({ ...base, packets: 150, expected: 30150, lost: 30000, resets: 1, expectedAcrossResets: 152 }).lost).toBe(2);
  });
  it('the first packet overtaken (seq 7985, 7984, ...): tshark expects 65,543 and calls 65,533 lost; counted by RFC 3550 A.1, none', () => {
    // the impairment e2e's DTMF stream: every packet arrived, two of them late, the end-of-event packet three times
    expect(countedLoss({ ...base, packets: 10, expected: 65543, lost: 65533, duplicates: 2, expectedAcrossResets: 7 })).toEqual({ expected: 7, lost: 0, percent: 0 });
    // with a real loss in such a stream, the loss is still seen
    expect(countedLoss({ ...base, packets: 8, expected: 65543, lost: 65535, duplicates: 0, expectedAcrossResets: 10 }).lost).toBe(2);
  });
  it('never negative, and 0 % before anything is expected', () => {
    expect(countedLoss({ ...base, packets: 10, expected: 8, lost: -2 }).lost).toBe(0);
    expect(countedLoss({ ...base, packets: 0, expected: 0, lost: 0, expectedAcrossResets: 0 }).percent).toBe(0);
  });
});

describe('InterfaceClocks', () => {
  it('one interface, or interfaces that overlap: nothing to say', () => {
    const c = new InterfaceClocks();
    c.push(0, 1000, 0, 1);
    c.push(1, 1005, 0, 2);
    c.push(0, 1010, 0, 3);
    expect(c.apart()).toBeNull();
  });
  it('two interfaces 113 days apart (ndpi-webrtc-meet): the captured time, not first to last', () => {
    const c = new InterfaceClocks();
    c.push(0, 1687685002, 250009194, 1);
    c.push(0, 1687685059, 743208329, 214);
    c.push(1, 1697468935, 898948000, 215);
    c.push(1, 1697468936, 608486000, 362);
    const a = c.apart()!;
    expect(a.capturedSeconds).toBeCloseTo(57.4932 + 0.7095, 3);
    expect(Math.round(a.gapSeconds / 86400)).toBe(113);
    expect(a.spans.map((s) => [s.interfaceId, s.firstPacket])).toEqual([[0, 1], [1, 215]]);
  });
  it('a gap of less than an hour between interfaces is a capture session, not a clock problem', () => {
    const c = new InterfaceClocks();
    c.push(0, 1000, 0, 1);
    c.push(1, 1000 + 3000, 0, 2);
    expect(c.apart()).toBeNull();
  });
});
