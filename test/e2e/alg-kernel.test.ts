/**
 * The real SIP ALG: the kernel's nf_conntrack_sip/nf_nat_sip in a router namespace between alg-check
 * (inside, 10.77.1.2:5060) and alg-echo (outside). With the helper the rewrite is reported and
 * fingerprinted as Linux nf_nat_sip; plain MASQUERADE is "no rewriting seen". Both sides captured with
 * tshark; the pcaps must show the private address inside and the router's outside.
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { createAlgLab, INSIDE_IP, kernelHasSipHelper, OUTSIDE_IP, ROUTER_OUT_IP, startCaptures, type AlgLab } from '../helpers/alg-lab.js';
import { missingForNetns } from '../helpers/netns.js';

const missing = missingForNetns(['ip', 'iptables', 'tshark']) ?? (kernelHasSipHelper() ? null : 'the kernel has no SIP conntrack helper (nf_conntrack_sip)');

function sipText(pcap: string): string {
  return execFileSync('tshark', ['-r', pcap, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Via', '-e', 'sip.Contact', '-e', 'sdp.connection_info'], { encoding: 'utf8' });
}

async function runThrough(l: AlgLab, transport: 'udp' | 'tcp', name: string): Promise<{ status: number | null; json: any; pcaps: { inside: string; outside: string } }> {
  const echo = l.lab.spawn(l.outside, [process.execPath, BIN, 'alg-echo', '--listen', `${OUTSIDE_IP}:5060`, '--stun-server'], { name: 'alg-echo' });
  await echo.waitFor(/listening/, 15_000);
  const cap = await startCaptures(l, name);
  const check = l.lab.spawn(l.inside, [process.execPath, BIN, 'alg-check', '--server', `${OUTSIDE_IP}:5060`, '--transport', transport, '--stun', `${OUTSIDE_IP}:3478`, '--json'], { name: 'alg-check' });
  const status = await check.wait(30_000);
  const pcaps = await cap.stop();
  await echo.stop('SIGTERM', 3000);
  let json: any = null;
  try { json = JSON.parse(check.stdout); } catch { throw new Error(`alg-check (${status}): ${check.stdout} ${check.stderr}`); }
  return { status, json, pcaps };
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
    const { status, json, pcaps } = await runThrough(withHelper, 'udp', 'helper-udp');
    expect(status).toBe(1);
    expect(json.verdict).toMatch(/^SIP ALG present: rewrote .*Via, Contact.*o=, c=.*\(outbound\)/);
    expect(json.outbound).not.toContain('Call-ID');
    expect(json.fingerprint.box).toBe('Linux nf_nat_sip (consumer router, OpenWrt)');
    const fromChange = json.exchanges[0].outbound.find((c: any) => c.field === 'From');
    expect(fromChange.before).toContain(`sip:2001@${INSIDE_IP}>`);
    expect(fromChange.after).toContain(`sip:2001@${ROUTER_OUT_IP}:5060>`);
    expect(sipText(pcaps.inside)).toContain(`c=IN IP4 ${INSIDE_IP}`.replace('c=', '').trim().split(' ').pop());
    const outside = sipText(pcaps.outside);
    expect(outside).toContain(`SIP/2.0/UDP ${ROUTER_OUT_IP}:5060`);
    expect(outside).not.toContain(`SIP/2.0/UDP ${INSIDE_IP}`);
    expect(sipText(pcaps.inside)).toContain(`SIP/2.0/UDP ${INSIDE_IP}:5060`);
    expect(json.stun.mapped.address).toBe(ROUTER_OUT_IP);
  });

  it('TCP through the helper: rewrite reported too', async () => {
    const { status, json } = await runThrough(withHelper, 'tcp', 'helper-tcp');
    expect(status).toBe(1);
    expect(json.outbound).toContain('Via');
    expect(json.outbound).toContain('c=');
  });

  it('plain MASQUERADE (no helper): no rewriting seen, NAT-unaware endpoint named, pcaps show the private address outside', async () => {
    const { status, json, pcaps } = await runThrough(plain, 'udp', 'plain-udp');
    expect(status).toBe(0);
    expect(json.verdict).toBe('no rewriting seen');
    expect(json.natAwareness).toMatch(/endpoint not NAT-aware: SIP carries the private 10\.77\.1\.2/);
    expect(sipText(pcaps.outside)).toContain(`SIP/2.0/UDP ${INSIDE_IP}:5060`);
    expect(json.stun.mapped.address).toBe(ROUTER_OUT_IP);
  });
});
