/**
 * The passive SIP ALG/NAT detector on generated captures with known truth (src/synth/alg.ts): one
 * call through a box of each rewrite personality, captured outside; exactly the findings the
 * personality implies, and none inside or without a box.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { isAlgNatCode } from '../../../src/detect/alg/observation.js';
import { analyzeSource } from '../../../src/pipeline/analyze-source.js';
import { writeAlgCaptures, type AlgPersonality } from '../../../src/synth/alg.js';

const dir = mkdtempSync(join(tmpdir(), 'voipready-alg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function algFindings(p: AlgPersonality, side: 'in' | 'out', opts = {}) {
  const inside = join(dir, `${p}-${JSON.stringify(opts).length}-in.pcap`);
  const outside = join(dir, `${p}-${JSON.stringify(opts).length}-out.pcap`);
  writeAlgCaptures(p, inside, outside, opts);
  const report = await analyzeSource(side === 'in' ? inside : outside, { settings: loadSettings() });
  return report.findings.filter((f) => isAlgNatCode(f.code));
}

/** what each personality must show in the outside capture (a full, consistent rewrite shows nothing: alg-diff's job) */
const TRUTH: Record<AlgPersonality, string[]> = {
  // phone not NAT-aware, no ALG: private everywhere behind the public source, RTP from the NAT's address
  'plain-nat': ['NAT_PRIVATE_ADDRESS_IN_SDP', 'NAT_PRIVATE_ADDRESS_IN_SIP', 'RTP_FROM_UNSIGNALLED_ADDRESS'],
  // every address rewritten consistently, Content-Length recomputed: nothing visible in one capture
  nf_nat_sip: [],
  fortigate: [],
  juniper: [],
  // c= translated, o= left private
  'cisco-asa': ['SIP_ALG_REWRITE'],
  // siproxd leaves o= too
  siproxd: ['SIP_ALG_REWRITE'],
  'broken-content-length': ['SIP_CONTENT_LENGTH_MISMATCH'],
  // only the Via rewritten: partly rewritten SIP, and the media still signalled privately
  'partial-via': ['RTP_FROM_UNSIGNALLED_ADDRESS', 'SIP_ALG_REWRITE'],
};

describe('passive ALG/NAT detection on generated captures', () => {
  it.each(Object.entries(TRUTH))('%s outside: exactly %j', async (p, codes) => {
    const found = await algFindings(p as AlgPersonality, 'out');
    expect(found.map((f) => f.code).sort()).toEqual(codes);
  });

  it.each(Object.keys(TRUTH))('%s inside: no finding (all private, nothing crossed a NAT yet)', async (p) => {
    expect(await algFindings(p as AlgPersonality, 'in')).toEqual([]);
  });

  it('plain NAT: high confidence, the IP header and the private lines quoted', async () => {
    const f = (await algFindings('plain-nat', 'out')).find((x) => x.code === 'NAT_PRIVATE_ADDRESS_IN_SIP')!;
    expect(f.packet).toBe(1);
    expect(f.evidence?.[0]).toBe('packet 1: IP 198.51.100.1:5060 -> 203.0.113.20:5060 (udp)');
    expect(f.evidence).toContain('Contact: <sip:alice@10.0.0.5:5060;transport=udp>    [Contact 10.0.0.5: private]');
    expect(f.evidence?.at(-1)).toMatch(/^confidence: high \(every address in SIP and SDP is private/);
    const sdp = (await algFindings('plain-nat', 'out')).find((x) => x.code === 'NAT_PRIVATE_ADDRESS_IN_SDP')!;
    expect(sdp.evidence).toContain('c=IN IP4 10.0.0.5    [c= 10.0.0.5: private]');
  });

  it('partial rewrite: SIP_ALG_REWRITE with medium confidence naming Via public, Contact private', async () => {
    const f = (await algFindings('partial-via', 'out')).find((x) => x.code === 'SIP_ALG_REWRITE')!;
    expect(f.message).toMatch(/Via public, Contact, o=, c= private/);
    expect(f.evidence).toContain('Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKalg1;rport    [Via 198.51.100.1: equals the IP source]');
    expect(f.evidence?.at(-1)).toMatch(/^confidence: medium/);
  });

  it('c= rewritten but o= not: low confidence, both lines quoted', async () => {
    const f = (await algFindings('cisco-asa', 'out'))[0]!;
    expect(f.message).toMatch(/c= rewritten, o= not/);
    expect(f.evidence).toContain('o=alice 4242 4243 IN IP4 10.0.0.5    [o= 10.0.0.5: private]');
    expect(f.evidence).toContain('c=IN IP4 198.51.100.1    [c= 198.51.100.1: equals the IP source]');
    expect(f.evidence?.at(-1)).toMatch(/^confidence: low/);
  });

  it('Content-Length: announced and actual byte counts', async () => {
    const f = (await algFindings('broken-content-length', 'out'))[0]!;
    expect(f.message).toBe('Content-Length says 221 bytes but the body has 229 (confidence high: the datagram carries more body bytes than Content-Length announces: something rewrote the body without fixing the length (a classic ALG bug); the receiver cuts the SDP short)');
    expect(f.evidence).toContain('Content-Length: 221');
  });

  it('a NAT that remaps the RTP source port: SDP_PORT_MISMATCH with the stream and the m= line', async () => {
    const found = await algFindings('nf_nat_sip', 'out', { rtpNatPort: 61000 });
    expect(found.map((f) => f.code)).toEqual(['SDP_PORT_MISMATCH']);
    expect(found[0]!.message).toMatch(/RTP comes from 198\.51\.100\.1:61000, but the SDP said 198\.51\.100\.1:4000/);
    expect(found[0]!.evidence?.some((e) => e.includes('m=audio 4000 RTP/AVP 8 101 | c=IN IP4 198.51.100.1'))).toBe(true);
  });
});
