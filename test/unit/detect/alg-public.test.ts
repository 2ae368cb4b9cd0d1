/**
 * The passive ALG/NAT detector on every public capture in ../shared/pcaps/public: which ones raise
 * which ALG/NAT findings. None does, and for each the reason (checked with tshark -V):
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { isAlgNatCode } from '../../../src/detect/alg/observation.js';
import { analyzeSource } from '../../../src/pipeline/analyze-source.js';

const DIR = join(process.cwd(), '..', 'shared', 'pcaps', 'public');
const present = existsSync(DIR);

const EXPECTED: Record<string, string[]> = {
  // scanner traffic from public sources (179.43.150.26 ...) with public Contacts and a c= that is an SQL
  // injection string, not an address: public in SIP from public sources, nothing to say
  'heplify-rawip-sip.pcap': [],
  // 10.33.6.100 <-> 10.33.6.101 over TCP: private SIP between private hosts, RTP where the SDP said
  'heplify-sip-tcp-g711-rtcp.pcap': [],
  // a private network (10.186.x, SDP c=10.9.28.194: another private host, a media gateway): private from private
  'heplify-sip-tcp-port6060-segmented.pcap': [],
  // 172.168.0.x is public space (not 172.16/12), and the SIP names the same hosts as the IP headers
  'heplify-sll-sip-tcp-retrans.pcap': [],
  // SIPp lab, 10.233.1.1 <-> 10.233.2.1, consistent SIP/SDP and RTP on the signalled ports
  'lab-sipp-loss2.pcapng': [],
  'lab-sipp-queueing.pcapng': [],
  // no SIP at all (Skinny, WebRTC, HTTP, ICMP, STUN only; rtpproxy and sipp captures of RTP without their SIP)
  'ndpi-skinny-g711.pcap': [],
  'ndpi-webrtc-meet-ipv6-multiif.pcapng': [],
  'neg-be-nsec-http.pcap': [],
  'neg-sll2-icmp.pcap': [],
  'neg-webrtc-stun-only.pcap': [],
  'rtpproxy-g722-srtp.pcap': [],
  'rtpproxy-g729-reorder.pcap': [],
  'sipp-dtmf-2833.pcap': [],
  'sipp-g711a.pcap': [],
  // IPv6 ULA (fd17:625c:f037:2::/64) everywhere: private SIP/SDP from private sources
  'sngrep-sll-ipv6-frag-sip.pcap': [],
  // loopback 127.0.0.1 sending c=192.168.1.2: private from private (a test message, no NAT in between)
  'suricata-sip-tcp-bigbody-null.pcap': [],
};

describe.skipIf(!present)('ALG/NAT findings on the public captures (skipped: ../shared/pcaps/public absent)', () => {
  const files = present ? readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)).sort() : [];

  it('lists every capture in the folder', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s', async (f) => {
    const report = await analyzeSource(join(DIR, f), { settings: loadSettings() });
    const codes = report.findings.filter((x) => isAlgNatCode(x.code)).map((x) => x.code).sort();
    expect(codes).toEqual(EXPECTED[f]);
  });
});
