/** Time-boxed properties: the pure ALG-test readers never throw on random or mutated input. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseExchange, summarise } from '../../../../src/detect/alg-active/analyse.js';
import { answer } from '../../../../src/detect/alg-active/echo-answer.js';
import { DEFAULT_PAD, parseEchoBody } from '../../../../src/detect/alg-active/echo-protocol.js';
import { buildInvite } from '../../../../src/detect/alg-active/messages.js';
import { compareSip, splitSip } from '../../../../src/detect/alg-active/sip-text.js';

const KEY = '00112233445566778899aabbccddeeff';
const INVITE = buildInvite({ transport: 'udp', localAddress: '10.0.0.2', localPort: 5060, server: '192.0.2.1', serverPort: 5060, key: KEY, token: 'a1b2c3d4e5f60718293a4b5c', rtpPort: 20000, pad: DEFAULT_PAD });
const REPLY = answer(Buffer.from(INVITE, 'latin1'), '198.51.100.1:5060', 'udp').reply!;

describe('alg-active readers under random input', () => {
  it('a mutated echo reply is read without throwing, and never verifies when the echoed part changed', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: REPLY.length - 1 }), fc.integer({ min: 32, max: 126 }), (at, ch) => {
      const mutated = REPLY.slice(0, at) + String.fromCharCode(ch) + REPLY.slice(at + 1);
      const r = analyseExchange('INVITE', INVITE, mutated, KEY);
      summarise([r]);
      if (mutated !== REPLY && r.verified) {
        // a change in the head is an inbound rewrite, never an outbound one
        expect(r.outbound).toEqual([]);
      }
    }), { numRuns: 400 });
  });

  it('random text: splitSip, compareSip and parseEchoBody never throw', () => {
    fc.assert(fc.property(fc.string({ maxLength: 400 }), fc.string({ maxLength: 400 }), (a, b) => {
      const x = splitSip(`${a}\r\n\r\n`);
      const y = splitSip(`${b}\r\n\r\n${a}`);
      if (x !== null && y !== null) compareSip(x, y);
      parseEchoBody(a);
    }), { numRuns: 300 });
  });
});
