/**
 * The STAMP probe across namespaces the test creates: sender (a) -- relay (m) -- reflector (b). The
 * relay (test/helpers/stamp-path-relay.mjs) adds a known 40 ms forward / 15 ms backward delay and drops
 * 5 % of the forward packets (seeded); iptables mangle in b re-marks the forward packets to DSCP 0.
 * tshark in a captures the probe's packets and decodes them as TWAMP-test (= STAMP unauthenticated).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lab, missingForNetns, type OwnedProcess } from '../helpers/netns.js';

const root = join(import.meta.dirname, '../..');
const addon = existsSync(join(root, 'native/build/Release/udp_tos.node'));
const missing = missingForNetns(['ip', 'iptables', 'tshark']) ?? (addon ? null : 'native/ addon not built (no C compiler)');
const FWD = 40;
const BACK = 15;

describe.skipIf(missing !== null)(`STAMP probe across namespaces${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let lab: Lab;
  let dir: string;
  let report: any;
  let truth: any;
  let wire: string[][];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-stamp-'));
    lab = Lab.create(['a', 'm', 'b']);
    const o = 100 + Math.floor(Math.random() * 100);
    const A = `10.${o}.1.1`, M1 = `10.${o}.1.2`, M2 = `10.${o}.2.1`, B = `10.${o}.2.2`;
    lab.link({ ns: lab.ns('a'), dev: 'va', cidr: `${A}/24` }, { ns: lab.ns('m'), dev: 'vma', cidr: `${M1}/24` });
    lab.link({ ns: lab.ns('m'), dev: 'vmb', cidr: `${M2}/24` }, { ns: lab.ns('b'), dev: 'vb', cidr: `${B}/24` });
    lab.exec(lab.ns('b'), ['iptables', '-t', 'mangle', '-A', 'PREROUTING', '-p', 'udp', '--dport', '862', '-j', 'DSCP', '--set-dscp', '0']);
    const reflector = lab.spawn(lab.ns('b'), ['node', 'bin/voipready', 'probe', 'reflect', '--listen', `${B}:862`], { cwd: root, name: 'reflector' });
    await reflector.waitFor(/STAMP reflector on/, 10_000);
    const relay = lab.spawn(lab.ns('m'), ['node', 'test/helpers/stamp-path-relay.mjs', '--listen', `${M1}:862`, '--to', `${B}:862`, '--out-ip', M2,
      '--delay-fwd', String(FWD), '--delay-back', String(BACK), '--loss-fwd', '0.05', '--seed', '7'], { cwd: root, name: 'relay' });
    await relay.waitFor(/"ready"/, 10_000);
    const pcap = join(dir, 'a.pcap');
    const cap: OwnedProcess = lab.spawn(lab.ns('a'), ['tshark', '-q', '-i', 'va', '-w', pcap, '-f', 'udp port 862'], { name: 'tshark' });
    await cap.waitFor(/Capturing on/, 15_000);
    const sender = lab.spawn(lab.ns('a'), ['node', 'bin/voipready', 'probe', 'send', '--to', `${M1}:862`, '--codec', 'g711', '--duration', '20s', '--dscp', 'ef', '--json'], { cwd: root, name: 'sender' });
    expect(await sender.wait(60_000)).not.toBeNull();
    report = JSON.parse(sender.stdout);
    await cap.stop('SIGTERM', 3000);
    await relay.stop('SIGTERM', 3000);
    truth = JSON.parse(relay.stdout.split('\n').find((l) => l.includes('"truth"'))!).truth;
    wire = execFileSync('tshark', ['-r', pcap, '-d', 'udp.port==862,twamp.test', '-T', 'fields', '-E', 'separator=|', '-e', 'ip.dsfield.dscp', '-e', 'udp.length',
      '-e', 'twamp.test.seq_number', '-e', 'twamp.test.timestamp', '-e', 'twamp.test.error_estimate', '-e', 'twamp.test.sender_seq_number',
      '-e', 'twamp.test.sender_timestamp', '-e', 'twamp.test.receive_timestamp', '-e', 'udp.dstport'], { encoding: 'utf8' }).trim().split('\n').map((l) => l.split('|'));
  }, 120_000);
  afterAll(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('one-way delay and RTT within 2 ms of the truth', () => {
    const p = report.probe;
    expect(p.clockSynchronised).toBe(true);
    expect(Math.abs(p.forward.oneWayMs.p50 - FWD)).toBeLessThan(2);
    expect(Math.abs(p.backward.oneWayMs.p50 - BACK)).toBeLessThan(2);
    expect(Math.abs(p.rttMs.p50 - (FWD + BACK))).toBeLessThan(2);
    console.log(`probe: forward p50 ${p.forward.oneWayMs.p50.toFixed(3)} ms (relay held ${truth.forward.meanHoldMs.toFixed(3)}), backward p50 ${p.backward.oneWayMs.p50.toFixed(3)} (held ${truth.backward.meanHoldMs.toFixed(3)}), rtt p50 ${p.rttMs.p50.toFixed(3)}; forward loss ${p.forward.lossPercent.toFixed(2)} % (relay dropped ${truth.forward.dropped}/${truth.forward.received})`);
  });
  it('5 % forward loss within 1 percentage point, no backward loss', () => {
    const p = report.probe;
    expect(Math.abs(p.forward.lossPercent - 5)).toBeLessThan(1);
    expect(p.forward.lost).toBe(truth.forward.dropped);
    expect(p.backward.lost).toBe(0);
    expect(p.packetsSent).toBe(1000);
  });
  it('DSCP re-marked forward only, and findings say so', () => {
    const p = report.probe;
    expect(p.forward).toMatchObject({ dscpSent: 46, dscpReceived: 0, remarked: true });
    expect(p.backward).toMatchObject({ dscpSent: 46, dscpReceived: 46, remarked: false });
    const codes = report.findings.map((f: any) => f.code);
    expect(codes).toContain('PROBE_DSCP_REMARKED');
    expect(codes).toContain('PROBE_LOSS_HIGH');
    expect(report.verdict).toBe('fail');
  });
  it('on the wire (tshark twamp.test): sequence, timestamps, error estimate, sender fields in the reflected packet', () => {
    const sent = wire.filter((r) => r[8] === '862');
    const back = wire.filter((r) => r[8] !== '862');
    expect(sent.length).toBe(1000);
    expect(sent.every((r) => r[0] === '46' && r[1] === String(8 + 172))).toBe(true);
    expect(sent.slice(0, 5).map((r) => Number(r[2]))).toEqual([0, 1, 2, 3, 4]);
    expect(sent[0]![3]).toMatch(/20\d\d/);
    expect(Number(sent[0]![4])).toBeGreaterThan(0);
    expect(back.length).toBe(report.probe.packetsReceived);
    const first = back[0]!;
    const senderSeq = Number(first[5]);
    const original = sent.find((r) => Number(r[2]) === senderSeq)!;
    expect(first[6]).toBe(original[3]);
    expect(first[7]).toMatch(/20\d\d/);
    expect(back.every((r) => r[0] === '46')).toBe(true);
  });
});
