import { describe, expect, it } from 'vitest';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { RtpHeader } from '../../../src/decode/rtp.js';
import { CandidateFlows } from '../../../src/track/rtp-candidates.js';

function packet(num: number, seq: number, ssrc = 0x1234): { p: PacketInfo; h: RtpHeader } {
  const p = new PacketInfo();
  p.num = num;
  p.tsSec = 1_700_000_000;
  p.tsNsec = num * 20_000_000;
  p.srcAddr = 0x0a000001;
  p.dstAddr = 0x0a000002;
  p.srcPort = 40000;
  p.dstPort = 50000;
  p.dscp = 46;
  const h = new RtpHeader();
  h.sequence = seq;
  h.timestamp = seq * 160;
  h.ssrc = ssrc;
  h.payloadType = 8;
  return { p, h };
}

describe('CandidateFlows (heuristic RTP confirmation)', () => {
  it('confirms a flow at the third packet with forward steps and hands back the two before it', () => {
    const flows = new CandidateFlows(3, 64);
    const results = [100, 101, 102].map((seq, i) => {
      const { p, h } = packet(i + 1, seq);
      return flows.push(p, 1, 2, h, seq * 160);
    });
    expect(results[0]).toBeNull();
    expect(results[1]).toBeNull();
    const c = results[2]!;
    expect(c.count).toBe(2);
    expect([...c.seq.subarray(0, 2)]).toEqual([100, 101]);
    expect([...c.num.subarray(0, 2)]).toEqual([1, 2]);
  });

  it('does not confirm numbers that jump about, and starts over when the buffer is full', () => {
    const flows = new CandidateFlows(3, 64);
    let confirmed = 0;
    for (let i = 0; i < 20; i++) {
      const { p, h } = packet(i + 1, (i * 5000) & 0xffff);
      if (flows.push(p, 1, 2, h, 0) !== null) confirmed++;
    }
    expect(confirmed).toBe(0);
    expect(flows.dropped).toBe(2); // 20 packets = two full buffers of 8 abandoned
  });

  it('keeps at most maxCandidates flows, dropping the least recently used', () => {
    const flows = new CandidateFlows(3, 2);
    flows.push(packet(1, 10, 1).p, 1, 2, packet(1, 10, 1).h, 0);
    flows.push(packet(2, 20, 2).p, 1, 2, packet(2, 20, 2).h, 0);
    flows.push(packet(3, 30, 3).p, 1, 2, packet(3, 30, 3).h, 0); // evicts SSRC 1
    expect(flows.dropped).toBe(1);
    // SSRC 1 starts from scratch: two more packets do not confirm it
    expect(flows.push(packet(4, 11, 1).p, 1, 2, packet(4, 11, 1).h, 0)).toBeNull();
    expect(flows.push(packet(5, 12, 1).p, 1, 2, packet(5, 12, 1).h, 0)).toBeNull();
    expect(flows.push(packet(6, 13, 1).p, 1, 2, packet(6, 13, 1).h, 0)).not.toBeNull();
  });
});
