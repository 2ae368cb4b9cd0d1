import { describe, expect, it } from 'vitest';
import { Latch, isRtcpOnMux, looksLikeRtpOrRtcp } from '../../../src/proxy/media/latch.js';
import { loadRelayAddon } from '../../../src/proxy/media/native-relay.js';
import { LATCH_VECTORS, endpointOf } from '../../proxy/latch-vectors.js';

const text = (e: { address: string; port: number } | null): string | null => (e === null ? null : `${e.address}:${e.port}`);

describe('Latch follows the shared latching table', () => {
  for (const v of LATCH_VECTORS) {
    it(v.name, () => {
      const latch = new Latch(v.learnMs);
      for (const [i, step] of v.steps.entries()) {
        if ('setPeer' in step) {
          latch.setPeer(step.setPeer === null ? null : endpointOf(step.setPeer), step.t);
          continue;
        }
        const from = endpointOf(step.from);
        expect(latch.offer(from.address, from.port, step.t, step.host), `step ${i} verdict`).toBe(step.expect);
        expect(text(latch.latched()), `step ${i} latched`).toBe(step.latched);
      }
    });
  }

  it('sends to the latched source, else to the SDP address, else nowhere', () => {
    const latch = new Latch(3000);
    expect(latch.target()).toBeNull();
    latch.setPeer({ address: '192.0.2.10', port: 4000 }, 0);
    expect(latch.target()).toEqual({ address: '192.0.2.10', port: 4000 });
    latch.offer('198.51.100.7', 31000, 5);
    expect(latch.target()).toEqual({ address: '198.51.100.7', port: 31000 });
  });
});

const addon = loadRelayAddon();

describe.skipIf(addon === null)(`the native loop's latch (rtp_relay.c) follows the same table${addon === null ? ' (skipped: addon not built)' : ''}`, () => {
  for (const v of LATCH_VECTORS) {
    it(v.name, () => {
      const steps = v.steps.map((s): [number, number, string, number, number, string] => {
        if ('setPeer' in s) {
          const e = s.setPeer === null ? { address: '', port: 0 } : endpointOf(s.setPeer);
          return [s.t, 0, e.address, e.port, 0, ''];
        }
        const e = endpointOf(s.from);
        return [s.t, 1, e.address, e.port, s.host === undefined ? 0 : s.host === null ? 2 : 1, s.host ?? ''];
      });
      const out = addon!.latchRun(v.learnMs, steps);
      v.steps.forEach((s, i) => {
        if ('setPeer' in s) return;
        expect(out[i * 2], `step ${i} verdict`).toBe(s.expect === 'accept' ? 1 : 0);
        expect(out[i * 2 + 1], `step ${i} latched`).toBe(s.latched ?? '');
      });
    });
  }
});

describe('packet classification', () => {
  it('tells RTCP from RTP on a muxed port by RFC 5761 section 4', () => {
    expect(isRtcpOnMux(200)).toBe(true); // SR
    expect(isRtcpOnMux(201)).toBe(true); // RR
    expect(isRtcpOnMux(0x80 | 0)).toBe(false); // RTP PT 0 with marker
    expect(isRtcpOnMux(8)).toBe(false);
    expect(isRtcpOnMux(96)).toBe(false);
  });

  it('drops what is not version 2 or shorter than a fixed header', () => {
    expect(looksLikeRtpOrRtcp(Buffer.alloc(12, 0x80), false)).toBe(true);
    expect(looksLikeRtpOrRtcp(Buffer.alloc(11, 0x80), false)).toBe(false);
    expect(looksLikeRtpOrRtcp(Buffer.alloc(12, 0x40), false)).toBe(false);
    expect(looksLikeRtpOrRtcp(Buffer.alloc(8, 0x81), true)).toBe(true);
    expect(looksLikeRtpOrRtcp(Buffer.from('GET / HTTP/1.1'), false)).toBe(false);
  });
});
