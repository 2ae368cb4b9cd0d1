/**
 * The real SIP ALG: the kernel's nf_conntrack_sip/nf_nat_sip in a router namespace between alg-check
 * (inside, 10.77.1.2:5060) and alg-echo (outside). With the helper the rewrite is reported and
 * fingerprinted as Linux nf_nat_sip; plain MASQUERADE is "no rewriting seen". Both sides captured with
 * tshark; the pcaps must show the private address inside and the router's outside, and the same pcap
 * pair goes through alg-diff (the kernel's rewrite line by line, fingerprint nf_nat_sip; plain NAT: none)
 * and the passive detector (plain NAT: the private address leaking behind the public one).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from '../helpers/cli.js';
import { captureAlgPair, createAlgLab, INSIDE_IP, kernelHasSipHelper, ROUTER_OUT_IP, type AlgLab } from '../helpers/alg-lab.js';
import { missingForNetns } from '../helpers/netns.js';

const missing = missingForNetns(['ip', 'iptables', 'tshark']) ?? (kernelHasSipHelper() ? null : 'the kernel has no SIP conntrack helper (nf_conntrack_sip)');

/** tshark's reading of the first `method` request in a pcap: [top Via sent-by, Contact, SDP c=] */
function sipText(pcap: string, method: string): string[] {
  const out = execFileSync('tshark', ['-r', pcap, '-Y', `sip.Method == "${method}"`, '-T', 'fields', '-E', 'occurrence=f',
    '-e', 'sip.Via', '-e', 'sip.Contact', '-e', 'sdp.connection_info'], { encoding: 'utf8' });
  const [via, contact, c] = (out.split('\n')[0] ?? '').split('\t');
  return [(via ?? '').split(';')[0]!, contact ?? '', c ?? ''];
}

async function runThrough(l: AlgLab, transport: 'udp' | 'tcp', name: string, extraArgs: string[] = []): Promise<{ status: number | null; json: any; pcaps: { inside: string; outside: string } }> {
  const pair = await captureAlgPair(l, { transport, name, bin: BIN, stun: true, extraArgs });
  return { status: pair.status, json: pair.check, pcaps: { inside: pair.inside, outside: pair.outside } };
}

describe.skipIf(missing !== null)(`kernel SIP ALG (nf_nat_sip)${missing !== null ? ` — skipped: ${missing}` : ''}`, () => {
  let withHelper: AlgLab;
  let plain: AlgLab;
  beforeAll(() => {
    withHelper = createAlgLab({ masquerade: true, sipHelper: true });
    plain = createAlgLab({ masquerade: true, sipHelper: false });
  });
  afterAll(async () => {
    for (const l of [withHelper, plain]) {
      if (l === undefined) continue;
      await l.lab.destroy();
      rmSync(l.dir, { recursive: true, force: true });
    }
  });

  it('UDP through MASQUERADE + CT --helper sip: rewrite reported, fingerprint nf_nat_sip, pcaps show both sides', async () => {
    const reportFile = join(withHelper.dir, 'alg-check-report.json');
    const htmlFile = join(withHelper.dir, 'alg-check.html');
    const { status, json, pcaps } = await runThrough(withHelper, 'udp', 'helper-udp', ['--report', reportFile, '--html', htmlFile]);
    expect(status).toBe(1);
    expect(json.verdict).toMatch(/^SIP ALG present: rewrote .*Via, Contact.*o=, c=.*\(outbound\)/);
    expect(json.outbound).not.toContain('Call-ID');
    expect(json.fingerprint.box).toBe('Linux nf_nat_sip (consumer router, OpenWrt)');
    const fromChange = json.exchanges[0].outbound.find((c: any) => c.field === 'From');
    expect(fromChange.before).toContain(`sip:2001@${INSIDE_IP}>`);
    expect(fromChange.after).toContain(`sip:2001@${ROUTER_OUT_IP}:5060>`);
    // the INVITE as the phone sent it (inside) and as the kernel forwarded it (outside)
    const inside = sipText(pcaps.inside, 'INVITE');
    const outside = sipText(pcaps.outside, 'INVITE');
    expect(inside).toEqual([`SIP/2.0/UDP ${INSIDE_IP}:5060`, `<sip:2001@${INSIDE_IP}:5060;transport=udp>`, `IN IP4 ${INSIDE_IP}`]);
    expect(outside).toEqual([`SIP/2.0/UDP ${ROUTER_OUT_IP}:5060`, `<sip:2001@${ROUTER_OUT_IP}:5060;transport=udp>`, `IN IP4 ${ROUTER_OUT_IP}`]);
    expect(json.stun.mapped.address).toBe(ROUTER_OUT_IP);
    // --report / --html: the analysis report with the SIP_ALG_REWRITE finding, the rewritten lines as evidence, and its advice
    const report = JSON.parse(readFileSync(reportFile, 'utf8'));
    const alg = report.findings.find((f: any) => f.code === 'SIP_ALG_REWRITE');
    expect(alg.severity).toBe('fail');
    expect(alg.message).toContain('fingerprint: likely Linux nf_nat_sip');
    expect(alg.evidence).toContain(`  + c=IN IP4 ${ROUTER_OUT_IP}`);
    expect(report.verdict).toBe('fail');
    const page = readFileSync(htmlFile, 'utf8');
    expect(page).toContain('SIP_ALG_REWRITE');
    expect(page).toContain('Switch the SIP ALG off on the firewall/router.');
    // the same call, captured on both sides of the router, through alg-diff: the kernel's rewrite, line by line
    const diff = runCli(['alg-diff', pcaps.inside, pcaps.outside, '--json']);
    expect(diff.status).toBe(1);
    const d = JSON.parse(diff.stdout);
    expect(d.rewritten).toBe(true);
    expect(d.fingerprint.verdict).toMatch(/^fingerprint: likely Linux nf_nat_sip/);
    const invite = d.matched.find((m: any) => m.what === 'INVITE');
    expect(invite.ipNat).toBe(true);
    expect(invite.contentLengthOk).toBe(true);
    const fields = new Set(invite.changes.map((c: any) => c.field));
    for (const f of ['Via (top)', 'Contact', 'c=', 'o=']) expect(fields).toContain(f);
    expect(fields).not.toContain('Call-ID');
    expect(invite.changes).toContainEqual(expect.objectContaining({ field: 'c=', before: `c=IN IP4 ${INSIDE_IP}`, after: `c=IN IP4 ${ROUTER_OUT_IP}` }));
    // the passive detector on the outside capture: the kernel rewrote every address, so nothing private leaks
    const passive = JSON.parse(runCli(['analyze', pcaps.outside, '--json']).stdout);
    const codes = passive.findings.map((f: any) => f.code);
    expect(codes).not.toContain('NAT_PRIVATE_ADDRESS_IN_SIP');
    expect(codes).not.toContain('NAT_PRIVATE_ADDRESS_IN_SDP');
  });

  it('TCP through the helper: rewrite reported too', async () => {
    const { status, json } = await runThrough(withHelper, 'tcp', 'helper-tcp');
    expect(status).toBe(1);
    expect(json.outbound).toContain('Via');
    expect(json.outbound).toContain('c=');
    expect(json.fingerprint.box).toBe('Linux nf_nat_sip (consumer router, OpenWrt)');
  });

  it('plain MASQUERADE (no helper): no rewriting seen, NAT-unaware endpoint named, pcaps show the private address outside', async () => {
    const { status, json, pcaps } = await runThrough(plain, 'udp', 'plain-udp');
    expect(status).toBe(0);
    expect(json.verdict).toBe('no rewriting seen');
    expect(json.natAwareness).toMatch(/endpoint not NAT-aware: SIP carries the private 10\.77\.1\.2/);
    expect(sipText(pcaps.outside, 'INVITE')).toEqual([`SIP/2.0/UDP ${INSIDE_IP}:5060`, `<sip:2001@${INSIDE_IP}:5060;transport=udp>`, `IN IP4 ${INSIDE_IP}`]);
    expect(json.stun.mapped.address).toBe(ROUTER_OUT_IP);
    // alg-diff on the two captures: only the IP header was NATed
    const diff = runCli(['alg-diff', pcaps.inside, pcaps.outside, '--json']);
    expect(diff.status).toBe(0);
    const d = JSON.parse(diff.stdout);
    expect(d.rewritten).toBe(false);
    expect(d.matched.length).toBeGreaterThan(0);
    expect(d.matched.every((m: any) => m.ipNat && m.changes.length === 0)).toBe(true);
    // the passive detector on the outside capture: private SIP/SDP behind the router's public address, high confidence
    const passive = JSON.parse(runCli(['analyze', pcaps.outside, '--json']).stdout);
    const leak = passive.findings.find((f: any) => f.code === 'NAT_PRIVATE_ADDRESS_IN_SIP');
    expect(leak).toBeDefined();
    expect(leak.message).toContain(INSIDE_IP);
    expect(passive.findings.map((f: any) => f.code)).not.toContain('SIP_ALG_REWRITE');
  });

  it('plain MASQUERADE over TCP: no rewriting seen', async () => {
    const { status, json } = await runThrough(plain, 'tcp', 'plain-tcp');
    expect(status).toBe(0);
    expect(json.verdict).toBe('no rewriting seen');
  });
});
