import { describe, expect, it } from 'vitest';
import { addressKind, sameAddress, splitEndpoint } from '../../../src/detect/alg/addresses.js';
import { changesOf, unifiedDiff } from '../../../src/detect/alg/diff-lines.js';
import { ALG_NAT_CODES } from '../../../src/detect/alg/observation.js';
import { hasAdvice } from '../../../src/outputs/html/advice.js';
import { checkAddresses } from '../../../src/detect/alg/address-check.js';
import { checkReceived } from '../../../src/detect/alg/message-checks.js';
import { parseSipMessage } from '../../../src/decode/sip/parse.js';
import type { SipEvent } from '../../../src/pipeline/events.js';

describe('address kinds', () => {
  it.each([
    ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['172.31.255.255', 'private'], ['172.32.0.1', 'public'],
    ['172.168.0.252', 'public'], ['192.168.1.2', 'private'], ['100.64.0.1', 'private'], ['127.0.0.1', 'private'],
    ['169.254.1.1', 'private'], ['198.51.100.1', 'public'], ['8.8.8.8', 'public'], ['[fd17::1]', 'private'],
    ['fe80::1%eth0', 'private'], ['2001:db8::1', 'public'], ['::ffff:10.0.0.1', 'private'], ['pbx.example.com', 'name'],
    ['999.1.1.1', 'name'],
  ])('%s is %s', (a, k) => {
    expect(addressKind(a)).toBe(k);
  });

  it('compares IPv6 after expansion and splits endpoints', () => {
    expect(sameAddress('[2001:db8:0::1]', '2001:db8::0:1')).toBe(true);
    expect(sameAddress('10.0.0.1', '10.0.0.2')).toBe(false);
    expect(splitEndpoint('[2001:db8::1]:4000')).toEqual({ addr: '2001:db8::1', port: 4000 });
    expect(splitEndpoint('10.0.0.5:5060')).toEqual({ addr: '10.0.0.5', port: 5060 });
  });
});

describe('line diff', () => {
  const a = [{ field: 'Via', text: 'Via: a' }, { field: 'To', text: 'To: x' }, { field: 'User-Agent', text: 'User-Agent: u' }];
  const b = [{ field: 'Via', text: 'Via: b' }, { field: 'To', text: 'To: x' }];
  it('pairs a removed and an added line of one field, and reports removals', () => {
    expect(changesOf(a, b)).toEqual([
      { field: 'Via', before: 'Via: a', after: 'Via: b' },
      { field: 'User-Agent', before: 'User-Agent: u', after: null },
    ]);
  });
  it('writes a unified diff with one line of context, nothing for equal messages', () => {
    expect(unifiedDiff(a, b, 'in', 'out')).toBe('--- in\n+++ out\n@@ -1,3 +1,2 @@\n-Via: a\n+Via: b\n To: x\n-User-Agent: u');
    expect(unifiedDiff(a, a, 'in', 'out')).toBe('');
  });
});

describe('codes', () => {
  it.each(ALG_NAT_CODES)('%s has advice', (c) => {
    expect(hasAdvice(c)).toBe(true);
  });
});

function sipEvent(text: string, ip: { src: string; srcPort: number; dst: string; dstPort: number }): SipEvent {
  const bytes = Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1');
  const r = parseSipMessage(bytes, 0, bytes.length);
  if (!r.ok) throw new Error(r.reason);
  return { message: r.message, bytes, packet: 7, epochMs: 0, transport: 'udp', dscp: null, source: 'capture', ...ip };
}

const response = (via: string): string => `SIP/2.0 200 OK\n${via}\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>;tag=2\nCall-ID: rx-1\nCSeq: 1 INVITE\nContent-Length: 0\n\n`;

describe('SIP_VIA_RECEIVED_MISMATCH (RFC 3581: a response goes to received:rport)', () => {
  it('flags a response sent elsewhere than the Via\'s received address, quoting the Via and the IP header', () => {
    const e = sipEvent(response('Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9;rport=40000'), { src: '198.51.100.1', srcPort: 5060, dst: '198.51.100.77', dstPort: 40000 });
    const [o, ...rest] = checkReceived(e);
    expect(rest).toEqual([]);
    expect(o).toMatchObject({ code: 'SIP_VIA_RECEIVED_MISMATCH', packet: 7, callId: 'rx-1', confidence: 'medium' });
    expect(o!.message).toBe('the response goes to 198.51.100.77, but the top Via says sent-by 10.0.0.5 and received=203.0.113.9');
    expect(o!.evidence).toEqual(['packet 7: IP 198.51.100.1:5060 -> 198.51.100.77:40000 (udp)', 'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9;rport=40000']);
  });
  it('flags a response to the received address but another port than rport', () => {
    const e = sipEvent(response('Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9;rport=40000'), { src: '198.51.100.1', srcPort: 5060, dst: '203.0.113.9', dstPort: 40002 });
    expect(checkReceived(e).map((o) => o.message)).toEqual(['the response goes to port 40002, but the top Via says rport=40000 (sent-by port 5060)']);
  });
  it('is silent where the response goes where the Via says (received:rport, or sent-by without them), and for requests', () => {
    const via = 'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9;rport=40000';
    expect(checkReceived(sipEvent(response(via), { src: '198.51.100.1', srcPort: 5060, dst: '203.0.113.9', dstPort: 40000 }))).toEqual([]);
    expect(checkReceived(sipEvent(response('Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1'), { src: '10.0.0.1', srcPort: 5060, dst: '10.0.0.5', dstPort: 5060 }))).toEqual([]);
    const req = 'OPTIONS sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK1;received=203.0.113.9\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: rx-2\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n';
    expect(checkReceived(sipEvent(req, { src: '198.51.100.1', srcPort: 5060, dst: '198.51.100.77', dstPort: 5060 }))).toEqual([]);
  });
});

describe('NAT_PUBLIC_ADDRESS_FROM_PRIVATE_SOURCE', () => {
  const invite = (host: string): string => `INVITE sip:b@example.com SIP/2.0\nVia: SIP/2.0/UDP ${host}:5060;branch=z9hG4bK9\nFrom: <sip:a@example.com>;tag=1\nTo: <sip:b@example.com>\nCall-ID: pub-1\nCSeq: 1 INVITE\nContact: <sip:a@${host}:5060>\nContent-Length: 0\n\n`;
  it('a public Via and Contact from a private source: information, low confidence, each field quoted', () => {
    const e = sipEvent(invite('198.51.100.20'), { src: '10.0.0.5', srcPort: 5060, dst: '203.0.113.1', dstPort: 5060 });
    const obs = checkAddresses(e.message, e, null);
    expect(obs).toHaveLength(1);
    expect(obs[0]).toMatchObject({ code: 'NAT_PUBLIC_ADDRESS_FROM_PRIVATE_SOURCE', severity: 'info', confidence: 'low', packet: 7, callId: 'pub-1' });
    expect(obs[0]!.message).toBe('Via, Contact name the public 198.51.100.20 but the packet comes from the private 10.0.0.5');
    expect(obs[0]!.evidence).toEqual([
      'packet 7: IP 10.0.0.5:5060 -> 203.0.113.1:5060 (udp)',
      'Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK9    [Via 198.51.100.20: public]',
      'Contact: <sip:a@198.51.100.20:5060>    [Contact 198.51.100.20: public]',
    ]);
  });
  it('nothing when a private source writes its private address, or a public source its public one', () => {
    const priv = sipEvent(invite('10.0.0.5'), { src: '10.0.0.5', srcPort: 5060, dst: '203.0.113.1', dstPort: 5060 });
    expect(checkAddresses(priv.message, priv, null)).toEqual([]);
    const pub = sipEvent(invite('198.51.100.20'), { src: '198.51.100.20', srcPort: 5060, dst: '203.0.113.1', dstPort: 5060 });
    expect(checkAddresses(pub.message, pub, null)).toEqual([]);
  });
});
