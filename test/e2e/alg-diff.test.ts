/**
 * `voipready alg-diff` on generated inside/outside pairs (src/synth/alg.ts) of every personality:
 * the changed lines, the fingerprint, the exit code; and a pair where only the IP header is NATed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { algDiff } from '../../src/cli/alg-diff.js';
import { writeAlgCaptures, type AlgPersonality } from '../../src/synth/alg.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'voipready-algdiff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pair(p: AlgPersonality): [string, string] {
  const i = join(dir, `${p}-in.pcap`);
  const o = join(dir, `${p}-out.pcap`);
  writeAlgCaptures(p, i, o);
  return [i, o];
}

/** the fields of the outbound INVITE each personality rewrites, and its fingerprint */
const CASES: Array<[AlgPersonality, string[], string | null]> = [
  ['nf_nat_sip', ['Contact', 'Content-Length', 'From', 'Via (top)', 'c=', 'o='], 'nf_nat_sip'],
  ['fortigate', ['Call-ID', 'Contact', 'Content-Length', 'From', 'Via (top)', 'c=', 'i=', 'o='], 'fortigate'],
  ['juniper', ['Call-ID', 'Contact', 'Content-Length', 'From', 'Via (top)', 'c=', 'o='], 'juniper'],
  ['cisco-asa', ['Contact', 'Content-Length', 'From', 'User-Agent', 'Via (top)', 'c='], 'cisco-asa'],
  ['siproxd', ['Contact', 'Content-Length', 'Via (top)', 'c=', 'm='], 'siproxd'],
  ['broken-content-length', ['Contact', 'From', 'Via (top)', 'a=', 'c=', 'o='], 'unknown'],
  ['partial-via', ['Via (top)'], 'unknown'],
];

describe('alg-diff on generated pairs', () => {
  it.each(CASES)('%s: INVITE rewrites %j, fingerprint %s', async (p, fields, box) => {
    const r = await algDiff(...pair(p));
    expect(r.matched).toHaveLength(7);
    expect(r.insideOnly).toEqual([]);
    expect(r.outsideOnly).toEqual([]);
    const invite = r.matched.find((d) => d.what === 'INVITE')!;
    expect(invite.direction).toBe('outbound');
    expect(invite.ipNat).toBe(true);
    expect([...new Set(invite.changes.map((c) => c.field))].sort()).toEqual(fields);
    expect(r.rewritten).toBe(true);
    expect(r.fingerprint.box).toBe(box);
    expect(r.fingerprint.verdict).toMatch(box === 'unknown' ? /^rewritten, box unknown$/ : /^fingerprint: likely /);
  });

  it('nf_nat_sip: the exact Via and c= lines, inbound Via restored, Call-ID kept', async () => {
    const r = await algDiff(...pair('nf_nat_sip'));
    const invite = r.matched.find((d) => d.what === 'INVITE')!;
    expect(invite.changes).toContainEqual({ field: 'Via (top)', before: 'Via: SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bKalg1;rport', after: 'Via: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bKalg1;rport' });
    expect(invite.changes).toContainEqual({ field: 'c=', before: 'c=IN IP4 10.0.0.5', after: 'c=IN IP4 198.51.100.1' });
    expect(invite.contentLengthOk).toBe(true);
    expect(invite.diff).toContain('-c=IN IP4 10.0.0.5\n+c=IN IP4 198.51.100.1');
    const ok = r.matched.find((d) => d.what === '200 INVITE')!;
    expect(ok.direction).toBe('inbound');
    expect(ok.changes.map((c) => c.field)).toEqual(['Via (top)']);
    expect(r.fingerprint.evidence.some((e) => e.includes('Contact: <sip:alice@10.0.0.5:5060;transport=udp> -> Contact: <sip:alice@198.51.100.1:5060;transport=udp>'))).toBe(true);
  });

  it('FortiGate: matched although the Call-ID was rewritten; the nat-trace line is the evidence', async () => {
    const r = await algDiff(...pair('fortigate'));
    expect(r.fingerprint.evidence[0]).toBe('added i=(o=IN IP4 10.0.0.5)');
    expect(r.matched.find((d) => d.what === 'INVITE')!.changes).toContainEqual({ field: 'Call-ID', before: 'Call-ID: alg-call-1@10.0.0.5', after: 'Call-ID: fw-alg-call-1@10.0.0.5' });
  });

  it('broken Content-Length is reported on the message after the box', async () => {
    const r = await algDiff(...pair('broken-content-length'));
    expect(r.matched.find((d) => d.what === 'INVITE')!.contentLengthOk).toBe(false);
  });

  it('only the IP header NATed: no rewriting, exit 0', async () => {
    const [i, o] = pair('plain-nat');
    const r = await algDiff(i, o);
    expect(r.rewritten).toBe(false);
    expect(r.fingerprint).toEqual({ verdict: 'no rewriting', box: null, evidence: [] });
    expect(r.matched.every((d) => d.ipNat && d.changes.length === 0)).toBe(true);
    const cli = runCli(['alg-diff', i, o]);
    expect(cli.status).toBe(0);
    expect(cli.stdout).toMatch(/no rewriting inside SIP\/SDP/);
  });

  it('CLI: exit 1 and the fingerprint when rewritten; --json parses', () => {
    const [i, o] = pair('juniper');
    const text = runCli(['alg-diff', i, o]);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/SIP\/SDP rewritten: fingerprint: likely Juniper SRX/);
    expect(text.stdout).toContain('-Call-ID: alg-call-1@10.0.0.5\n+Call-ID: fw-alg-call-1@10.0.0.5');
    const json = runCli(['alg-diff', i, o, '--json']);
    expect(json.status).toBe(1);
    const r = JSON.parse(json.stdout);
    expect(r.fingerprint.box).toBe('juniper');
    expect(r.matched).toHaveLength(7);
  });

  it('CLI: a missing capture is an input error', () => {
    expect(runCli(['alg-diff', join(dir, 'nope.pcap'), join(dir, 'nope2.pcap')]).status).toBe(4);
  });
});
