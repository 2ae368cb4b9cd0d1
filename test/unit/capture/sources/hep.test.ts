import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HepStreamFramer, hepToDatagram } from '../../../../src/capture/sources/hep.js';
import { decodeHep } from '../../../../src/decode/hep.js';
import { encodeHep3, type HepEncodable } from '../../../../src/encode/hep.js';
import { createHepMetrics } from '../../../../src/outputs/prometheus/hep-metrics.js';
import { renderRegistry } from '../../../../src/outputs/prometheus/prom-bridge.js';

const SIP = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const pkt = (over: Partial<HepEncodable> = {}): Buffer => encodeHep3({
  src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5060, dstPort: 5080, tsSec: 1700000000, tsUsec: 250000, agentId: 9, payload: SIP, ...over,
});
const decoded = (b: Buffer) => {
  const r = decodeHep(b, 0, b.length);
  if (!r.ok) throw new Error(r.code);
  return r.value;
};

describe('HEP source', () => {
  it('turns a HEP packet into a datagram with the capture time and agent', () => {
    expect(hepToDatagram(decoded(pkt()), 0)).toMatchObject({
      src: '10.0.0.1', srcPort: 5060, dst: '10.0.0.2', dstPort: 5080, transport: 'udp',
      tsSec: 1700000000, tsNsec: 250_000_000, dscp: null, source: 'hep:9',
    });
    expect(hepToDatagram(decoded(pkt({ ipProtocol: 6, agentId: null })), 0)).toMatchObject({ transport: 'tcp', source: 'hep' });
    // no time chunks: the time it was received
    expect(hepToDatagram(decoded(pkt({ tsSec: null })), 1_700_000_123_456)).toMatchObject({ tsSec: 1_700_000_123, tsNsec: 456_000_000 });
  });

  it('takes SIP and binary RTCP, not JSON RTCP or other payloads', () => {
    const rtcp = Buffer.from('81c90001deadbeef', 'hex');
    expect(hepToDatagram(decoded(pkt({ protoType: 5, payload: rtcp })), 0)).not.toBeNull();
    expect(hepToDatagram(decoded(pkt({ protoType: 5, payload: Buffer.from('{"type":200}') })), 0)).toBeNull();
    expect(hepToDatagram(decoded(pkt({ protoType: 100, payload: Buffer.from('log line') })), 0)).toBeNull();
  });

  it('frames a stream cut anywhere, and refuses garbage and overlong packets', () => {
    const stream = Buffer.concat([pkt(), pkt({ agentId: 10 }), pkt({ agentId: 11 })]);
    for (const step of [1, 5, 64, stream.length]) {
      const f = new HepStreamFramer();
      const out: Buffer[] = [];
      for (let i = 0; i < stream.length; i += step) {
        const r = f.push(stream.subarray(i, i + step));
        expect(Array.isArray(r)).toBe(true);
        if (Array.isArray(r)) out.push(...r.map((b) => Buffer.from(b)));
      }
      expect(Buffer.concat(out)).toEqual(stream);
      expect(out).toHaveLength(3);
    }
    expect(new HepStreamFramer().push(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('not_hep');
    expect(new HepStreamFramer(100).push(pkt({ payload: Buffer.alloc(500) }).subarray(0, 200))).toBe('stream_overflow');
  });

  it('bounds the agent label', async () => {
    const registry = new Registry();
    const m = createHepMetrics(registry, 2);
    for (const id of [1, 2, 3, 4, 1, null]) m.packet(id, 1);
    m.packet(2, 5);
    m.error('auth');
    const text = await renderRegistry(registry, false);
    expect(text).toContain('voipready_hep_packets_total{agent="1",proto="sip"} 2');
    expect(text).toContain('voipready_hep_packets_total{agent="other",proto="sip"} 2');
    expect(text).toContain('voipready_hep_packets_total{agent="none",proto="sip"} 1');
    expect(text).toContain('voipready_hep_packets_total{agent="2",proto="rtcp"} 1');
    expect(text).toContain('voipready_hep_errors_total{reason="auth"} 1');
    expect(text).toContain('voipready_hep_errors_total{reason="not_hep"} 0');
  });
});
