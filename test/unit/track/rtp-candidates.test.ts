import { describe, expect, it } from 'vitest';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { RtpHeader } from '../../../src/decode/rtp.js';
import { CandidateFlows } from '../../../src/track/rtp-candidates.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';

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

// a monitor attached to a mirror port while 1,000 calls are up, their SDP never seen: the flows start
// together, interleaved; each is confirmed and measured from its first packet, none evicts another for good
describe('heuristic RTP candidates', () => {
  it('1,000 flows starting together, round robin: 1,000 streams of all their packets', () => {
    const a = new Analyzer({ file: 'live', settings: loadSettings() });
    const FLOWS = 1000;
    const PACKETS = 10;
    const pkt = Buffer.alloc(172);
    pkt[0] = 0x80;
    for (let seq = 0; seq < PACKETS; seq++) {
      for (let f = 0; f < FLOWS; f++) {
        pkt.writeUInt16BE(1000 + seq, 2);
        pkt.writeUInt32BE(seq * 160, 4);
        pkt.writeUInt32BE(0x100000 + f, 8);
        const ms = seq * 20 + f * 0.01;
        a.pushDatagram({ src: '192.0.2.10', srcPort: 20000 + 2 * f, dst: '198.51.100.1', dstPort: 30000 + 2 * f, transport: 'udp',
          tsSec: 1_780_000_000 + Math.floor(ms / 1000), tsNsec: Math.round((ms % 1000) * 1e6), dscp: 46, payload: pkt, source: 'test' });
      }
    }
    const r = a.finish('live');
    expect(r.streams).toHaveLength(FLOWS);
    for (const s of r.streams) {
      expect(s.packets).toBe(PACKETS);
      expect(s.lost).toBe(0);
    }
  });
});
