import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import type { SipRequest } from '../../../src/decode/sip/types.js';
import { missingMandatory } from '../../../src/proxy/sip/request-checks.js';

const GOOD = ['INVITE sip:bob@pbx.example SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK1', 'Max-Forwards: 70',
  'From: <sip:alice@pbx.example>;tag=1', 'To: <sip:bob@pbx.example>', 'Call-ID: c1@192.0.2.10', 'CSeq: 1 INVITE', 'Content-Length: 0'];

function request(lines: string[]): SipRequest {
  const b = Buffer.from([...lines, '', ''].join('\r\n'));
  const r = parseSipMessage(b, 0, b.length);
  if (!r.ok || r.message.kind !== 'request') throw new Error('not a request');
  return r.message;
}
const without = (name: string): string[] => GOOD.filter((l) => !l.startsWith(`${name}:`));

describe('missingMandatory: RFC 3261 8.1.1 headers a proxy needs before relaying a request', () => {
  it('a complete request passes', () => {
    expect(missingMandatory(request(GOOD))).toBeNull();
  });

  it.each(['Via', 'From', 'To', 'Call-ID', 'CSeq'])('names an absent %s', (name) => {
    expect(missingMandatory(request(without(name)))).toBe(name);
  });

  it('an empty Call-ID, a Via without a host and a CSeq of another method are unusable', () => {
    expect(missingMandatory(request([...without('Call-ID'), 'Call-ID:']))).toBe('Call-ID');
    expect(missingMandatory(request([...without('Via'), 'Via: SIP/2.0/UDP']))).toBe('Via');
    expect(missingMandatory(request([...without('CSeq'), 'CSeq: 1 REGISTER']))).toBe('CSeq');
    expect(missingMandatory(request([...without('CSeq'), 'CSeq: x']))).toBe('CSeq');
  });
});
