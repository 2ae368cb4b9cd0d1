import { describe, expect, it } from 'vitest';
import { alignLines, compareSip, splitSip } from '../../../../src/detect/alg-active/sip-text.js';
import { fingerprint } from '../../../../src/detect/alg-active/fingerprint.js';
import type { ExchangeResult } from '../../../../src/detect/alg-active/analyse.js';

// the lines as this machine's kernel (nf_nat_sip) rewrote them in test/e2e/alg-kernel.test.ts
const SENT = [
  'INVITE sip:echo@198.51.100.2:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 10.77.1.2:5060;branch=z9hG4bKd69b7669i;rport',
  'From: "Phone 2001" <sip:2001@10.77.1.2>;tag=d69b76690c',
  'To: <sip:echo@198.51.100.2>',
  'Call-ID: abc@10.77.1.2',
  'CSeq: 2 INVITE',
  'Contact: <sip:2001@10.77.1.2:5060;transport=udp>',
  'Content-Type: application/sdp',
  'Content-Length: 0',
  '',
  'v=0\r\no=2001 8000 8000 IN IP4 10.77.1.2\r\ns=voipready\r\nc=IN IP4 10.77.1.2\r\nt=0 0\r\nm=audio 20000 RTP/AVP 8\r\n',
].join('\r\n');

function kernelRewrite(t: string): string {
  return t.replace('UDP 10.77.1.2:5060', 'UDP 198.51.100.1:5060').replace('sip:2001@10.77.1.2>', 'sip:2001@198.51.100.1:5060>')
    .replace('2001@10.77.1.2:5060', '2001@198.51.100.1:5060').replace(/IN IP4 10\.77\.1\.2/g, 'IN IP4 198.51.100.1');
}

function exchange(sent: string, received: string): ExchangeResult {
  return { method: 'INVITE', verified: true, problem: null, outbound: compareSip(splitSip(sent)!, splitSip(received)!), inbound: [], contentLengthBroken: false, source: null, sent, received, responseStatus: null };
}

describe('fingerprint', () => {
  it('the kernel pattern: Call-ID untouched, port made explicit in From, o= and c= rewritten -> nf_nat_sip', () => {
    const f = fingerprint([exchange(SENT, kernelRewrite(SENT))]);
    expect(f.box).toBe('Linux nf_nat_sip (consumer router, OpenWrt)');
    expect(f.evidence).toContain('From: "Phone 2001" <sip:2001@10.77.1.2>;tag=d69b76690c -> From: "Phone 2001" <sip:2001@198.51.100.1:5060>;tag=d69b76690c');
  });

  it('c= rewritten but o= not -> Cisco ASA', () => {
    const r = SENT.replace('c=IN IP4 10.77.1.2', 'c=IN IP4 198.51.100.1').replace('UDP 10.77.1.2', 'UDP 198.51.100.1');
    expect(fingerprint([exchange(SENT, r)]).box).toBe('Cisco ASA inspect sip');
  });

  it('an added Via and a moved m= port -> an explicit proxy', () => {
    const r = SENT.replace('Via:', 'Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKproxy\r\nVia:').replace('m=audio 20000', 'm=audio 7070');
    const f = fingerprint([exchange(SENT, r)]);
    expect(f.box).toBe('an explicit SIP proxy (siproxd-like)');
  });

  it('only the Via changed: rewritten, box unknown', () => {
    const r = SENT.replace('UDP 10.77.1.2:5060', 'UDP 198.51.100.1:5060');
    expect(fingerprint([exchange(SENT, r)]).text).toBe('rewritten, box unknown');
  });

  it('alignLines pairs lines of one type around an insertion', () => {
    expect(alignLines(['v=0', 's=x', 'c=a', 't=0'], ['v=0', 's=x', 'i=(o=IN IP4 a)', 'c=b', 't=0'])).toEqual([
      ['v=0', 'v=0'], ['s=x', 's=x'], ['c=a', 'c=b'], [null, 'i=(o=IN IP4 a)'], ['t=0', 't=0'],
    ]);
  });
});
