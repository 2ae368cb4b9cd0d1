/**
 * The requests the proxy writes itself toward an upstream: the OPTIONS probe and the ACK of a 503
 * it keeps to itself. Both must be requests any SIP stack takes (our own parser reads them, with
 * every header RFC 3261 8.1.1 requires), and the ACK must match the INVITE's transaction
 * (RFC 3261 17.1.1.3: its Request-URI, Call-ID, From, CSeq number and top Via; To of the answer).
 */
import { describe, expect, it } from 'vitest';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import type { SipRequest, SipResponse } from '../../../src/decode/sip/types.js';
import { ackOfFailure, optionsProbe } from '../../../src/proxy/sip/own-requests.js';
import { missingMandatory } from '../../../src/proxy/sip/request-checks.js';

function parse(b: Buffer): SipRequest | SipResponse {
  const r = parseSipMessage(b, 0, b.length);
  if (!r.ok) throw new Error(r.reason);
  return r.message as SipRequest | SipResponse;
}

describe('own requests', () => {
  it('an OPTIONS probe: a well-formed request to the upstream, its transport named for TCP', () => {
    const b = optionsProbe({ target: '[2001:db8::5]:5080', transport: 'tcp', via: 'SIP/2.0/TCP [2001:db8::1]:5060;branch=z9hG4bK-vrp-1', self: '[2001:db8::1]', callId: 'p1@voipready', tag: 'aa', cseq: 7 });
    const m = parse(b) as SipRequest;
    expect(m).toMatchObject({ kind: 'request', method: 'OPTIONS', requestUri: 'sip:[2001:db8::5]:5080;transport=tcp', callId: 'p1@voipready', cseq: { seq: 7, method: 'OPTIONS' } });
    expect(missingMandatory(m)).toBeNull();
    expect(m.via[0]!.branch).toBe('z9hG4bK-vrp-1');
    expect(m.from?.tag).toBe('aa');
    expect(m.contentLength).toBe(0);
  });

  it('the ACK of a 503: the INVITE\'s Request-URI, Call-ID, From, CSeq number, Route and top Via only; the answer\'s To', () => {
    const invite = parse(Buffer.from([
      'INVITE sip:bob@pbx.example SIP/2.0', 'Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-vrp-abc, SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKphone',
      'Route: <sip:edge.example;lr>', 'Max-Forwards: 69', 'From: <sip:alice@pbx.example>;tag=ft', 'To: <sip:bob@pbx.example>',
      'Call-ID: c1@test', 'CSeq: 4 INVITE', 'Content-Length: 0', '', ''].join('\r\n'))) as SipRequest;
    const res = parse(Buffer.from(['SIP/2.0 503 Service Unavailable', 'Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK-vrp-abc',
      'From: <sip:alice@pbx.example>;tag=ft', 'To: <sip:bob@pbx.example>;tag=busy1', 'Call-ID: c1@test', 'CSeq: 4 INVITE', 'Content-Length: 0', '', ''].join('\r\n'))) as SipResponse;
    const ack = parse(ackOfFailure(invite, res)) as SipRequest;
    expect(ack).toMatchObject({ method: 'ACK', requestUri: 'sip:bob@pbx.example', callId: 'c1@test', cseq: { seq: 4, method: 'ACK' } });
    expect(missingMandatory(ack)).toBeNull();
    expect(ack.via.map((v) => v.branch)).toEqual(['z9hG4bK-vrp-abc']);
    expect(ack.from?.tag).toBe('ft');
    expect(ack.to?.tag).toBe('busy1');
    expect(ack.headers.filter((h) => h.key === 'route').map((h) => h.value)).toEqual(['<sip:edge.example;lr>']);
  });
});
