/**
 * voipready_stream_loss_ratio is the loss the report shows (lostCounted / expectedCounted), not tshark's
 * expected - received clamped at zero: with duplicates and loss in one stream the two differ (a SPAN seeing
 * packets twice hides real loss from tshark's count).
 */
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../../../src/pipeline/analyzer.js';
import { loadSettings } from '../../../../src/config/load-settings.js';
import { createMetrics } from '../../../../src/outputs/prometheus/metrics.js';
import { rtpPacket, g711Payload } from '../../../../src/synth/media.js';
import { sipInvite, sipResponse, type SipDialog } from '../../../../src/synth/sip.js';
import type { Datagram } from '../../../../src/pipeline/datagram.js';

const T0 = 1_700_000_000_000;
const A = { ip: '10.0.0.1', rtp: 4000 };
const B = { ip: '10.0.0.2', rtp: 6000 };

function at(ms: number, from: typeof A, to: typeof A, port: (x: typeof A) => number, payload: Buffer): Datagram {
  return {
    src: from.ip, srcPort: port(from), dst: to.ip, dstPort: port(to), transport: 'udp',
    tsSec: Math.floor(ms / 1000), tsNsec: (ms % 1000) * 1e6, dscp: 46, payload, source: 'test',
  };
}

describe('voipready_stream_loss_ratio', () => {
  it('is lostCounted / expectedCounted where duplicates hide loss from tshark\'s count', async () => {
    const settings = loadSettings();
    const metrics = createMetrics({ settings });
    const a = new Analyzer({ file: 'loss ratio', settings, listeners: [metrics.listener] });
    metrics.attach(a.view);
    const dialog: SipDialog = {
      callId: 'loss-ratio@test', fromTag: 'a1', toTag: 'b1', branch: 'z9hG4bKlossratio', transport: 'UDP', codec: 'PCMU', sessionId: 3,
      caller: { user: 'alice', addr: A.ip, ipVersion: 4, sipPort: 5060, rtpPort: A.rtp },
      callee: { user: 'bob', addr: B.ip, ipVersion: 4, sipPort: 5060, rtpPort: B.rtp },
    };
    const sip = (x: typeof A): number => (x === A || x === B ? 5060 : 0);
    a.pushDatagram(at(T0 - 2000, A, B, sip, sipInvite(dialog)));
    a.pushDatagram(at(T0 - 1000, B, A, sip, sipResponse(dialog, 200, 'INVITE')));
    // 100 sequence numbers: 60-64 lost, 20-24 each arrive twice
    for (let seq = 0; seq < 100; seq++) {
      if (seq >= 60 && seq < 65) continue;
      const p = rtpPacket({ marker: seq === 0, payloadType: 0, seq, timestamp: seq * 160, ssrc: 0x1234, }, g711Payload('PCMU', 160));
      a.pushDatagram(at(T0 + seq * 20, A, B, (x) => x.rtp, p));
      if (seq >= 20 && seq < 25) a.pushDatagram(at(T0 + seq * 20 + 1, A, B, (x) => x.rtp, p));
    }
    const s = [...a.view.activeStreams()].find((x) => x.ssrc === 0x1234)!;
    // tshark's count: 100 expected, 100 received (95 + 5 duplicates): 0 lost
    expect(s.lost).toBe(0);
    expect(s.lostCounted).toBe(5);
    const text = await metrics.registry.metrics();
    const m = /voipready_stream_loss_ratio\{[^}]*\} (\S+)/.exec(text);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeCloseTo(5 / s.expectedCounted!, 9);
    expect(Number(m![1])).toBeCloseTo(0.05, 9);
  });
});
