/**
 * Real captures from ../shared/pcaps/public (skipped when absent; tshark-dependent parts skipped without
 * tshark) that show this part of the analysis (SOURCES.md):
 * - heplify-rawip-sip.pcap: REGISTER answered 401 three times (an authentication failure), raw IP link;
 * - heplify-sll-sip-tcp-retrans.pcap: REGISTER/401/200 over TCP (and UDP) with a retransmission, plus
 *   HTTPS, VRRP and ARP traffic that must be named, not skipped;
 * - neg-sll2-icmp.pcap: ICMP, ICMPv6, ARP and RARP only: the report says so instead of "nothing";
 * - neg-webrtc-stun-only.pcap: WebRTC ICE checks and a DTLS handshake: named STUN and DTLS, not as an anonymous UDP port.
 * None of them is tunnelled: no public capture here carries GRE/ERSPAN/VXLAN (the generator's are in
 * mirrored-register.test.ts).
 * The reference is tshark: REGISTER transactions by Call-ID and CSeq, and its protocol hierarchy.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeJson, ROOT } from '../helpers/cli.js';
import { hasTshark, tshark } from '../unit/synth/tshark.js';

const DIR = join(ROOT, '..', 'shared', 'pcaps', 'public');
const present = existsSync(DIR);

/** per Call-ID: distinct REGISTER CSeqs, distinct CSeqs answered 401/407, the last final status */
function tsharkRegistrations(path: string): Map<string, { requests: number; challenges: number; last: number | null }> {
  const out = tshark(['-r', path, '-Y', 'sip.CSeq.method == "REGISTER"', '-T', 'fields', '-e', 'sip.Call-ID', '-e', 'sip.CSeq.seq', '-e', 'sip.Method', '-e', 'sip.Status-Code']);
  const acc = new Map<string, { req: Set<string>; ch: Set<string>; last: number | null }>();
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    const [id = '', seq = '', method = '', status = ''] = line.split('\t');
    const e = acc.get(id) ?? { req: new Set<string>(), ch: new Set<string>(), last: null };
    if (method === 'REGISTER') e.req.add(seq);
    const st = Number(status);
    if (status !== '' && st >= 200) e.last = st;
    if (st === 401 || st === 407) e.ch.add(seq);
    acc.set(id, e);
  }
  return new Map([...acc].map(([id, e]) => [id, { requests: e.req.size, challenges: e.ch.size, last: e.last }]));
}

/** frames per protocol from tshark's hierarchy: the named leaves we compare */
function tsharkPhs(path: string): Map<string, number> {
  const out = tshark(['-r', path, '-q', '-z', 'io,phs']);
  const m = new Map<string, number>();
  for (const line of out.split('\n')) {
    const x = /^\s*(\S+)\s+frames:(\d+)/.exec(line);
    if (x) m.set(x[1]!, Number(x[2]));
  }
  return m;
}

describe.skipIf(!present)('public captures: registrations and what was not analysed (../shared/pcaps/public; skipped when absent)', () => {
  it('heplify-rawip-sip: REGISTER answered 401 three times is an authentication failure', () => {
    const path = join(DIR, 'heplify-rawip-sip.pcap');
    const { report } = analyzeJson(path);
    expect(report.registrations).toHaveLength(1);
    const r = report.registrations[0];
    expect(r).toMatchObject({ outcome: 'auth-failed', finalStatus: 401, requests: 3, challenges: 3, aor: 'sip:1154@157.161.10.73', registrar: '157.161.10.73:5060' });
    expect(report.findings.filter((f: any) => f.code === 'REGISTER_AUTH_FAILED').map((f: any) => f.packet)).toEqual([3]);
    if (hasTshark) {
      const t = tsharkRegistrations(path).get(r.callId);
      expect(t).toEqual({ requests: r.requests, challenges: r.challenges, last: r.finalStatus });
    }
  });

  it('heplify-sll-sip-tcp-retrans: REGISTER/401/200 is SIP (registered, expiry granted), the rest is named', () => {
    const path = join(DIR, 'heplify-sll-sip-tcp-retrans.pcap');
    const { report } = analyzeJson(path);
    expect(report.registrations.map((r: any) => [r.outcome, r.finalStatus, r.requests, r.challenges, r.expiresSeconds])).toEqual([['registered', 200, 2, 1, 600]]);
    expect(report.reason).toContain('SIP: 1 registration(s) (1 registered), no call');
    const named = new Map<string, number>(report.input.undecoded.map((u: any) => [u.what, u.packets]));
    if (hasTshark) {
      const t = tsharkRegistrations(path).get(report.registrations[0].callId);
      expect(t).toEqual({ requests: 2, challenges: 1, last: 200 });
      const phs = tsharkPhs(path);
      expect(named.get('VRRP')).toBe(phs.get('vrrp'));
      expect(named.get('ARP')).toBe(phs.get('arp'));
      // every TCP frame is either named here (by service port) or part of the SIP flow
      const tcpNamed = [...named].filter(([w]) => w.startsWith('TCP port')).reduce((n, [, k]) => n + k, 0);
      const sipTcp = Number(tshark(['-r', path, '-Y', 'tcp.port == 5060', '-T', 'fields', '-e', 'frame.number']).trim().split('\n').length);
      expect(tcpNamed + sipTcp).toBe(phs.get('tcp'));
    } else {
      expect([named.get('VRRP'), named.get('ARP')]).toEqual([9, 2]);
    }
  });

  it('neg-sll2-icmp: only ICMP, ICMPv6, ARP, RARP: each named with its count, in the reason too', () => {
    const path = join(DIR, 'neg-sll2-icmp.pcap');
    const { report } = analyzeJson(path);
    expect(report.input.undecoded.map((u: any) => [u.what, u.packets])).toEqual([['ICMP', 2], ['ICMPv6', 2], ['ARP', 1], ['RARP', 1]]);
    expect(report.reason).toBe('no RTP stream in the capture: nothing to measure; the capture holds 2 packets of ICMP, 2 of ICMPv6, 1 of ARP and 1 more kind.');
    if (hasTshark) {
      const phs = tsharkPhs(path);
      // tshark's hierarchy puts RARP under "arp"
      expect([phs.get('icmp'), phs.get('icmpv6'), phs.get('arp')]).toEqual([2, 2, 1 + 1]);
    }
  });

  it('neg-webrtc-stun-only: the ICE checks and the DTLS handshake are named, with the counts tshark finds', () => {
    const path = join(DIR, 'neg-webrtc-stun-only.pcap');
    const { report } = analyzeJson(path);
    expect(report.input.undecoded.map((u: any) => [u.what, u.packets])).toEqual([['STUN', 10], ['DTLS', 4]]);
    expect(report.reason).toBe('no RTP stream in the capture: nothing to measure; the capture holds 10 packets of STUN and 4 of DTLS.');
    if (hasTshark) {
      const phs = tsharkPhs(path);
      expect([phs.get('stun'), phs.get('dtls')]).toEqual([10, 4]);
    }
  });
});
