/**
 * The recorder against two independent readers: our own capture reader (what `analyze` reads) and
 * tshark with checksum validation on: datagrams come out as raw IP packets whose headers, DSCP,
 * lengths and checksums are right, SIP over TCP reassembles, cut payloads keep their real length,
 * and the bounds hold (a slow disk drops and counts, a failing one is reported once).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../../src/capture/file-source.js';
import type { CaptureRecord } from '../../../../src/capture/record.js';
import type { Datagram } from '../../../../src/pipeline/datagram.js';
import { LINKTYPE_RAW, PcapngRecorder, type RecorderOptions } from '../../../../src/outputs/record/recorder.js';
import { targetOf } from '../../../../src/outputs/record/rotation.js';
import { hasTshark } from '../../../helpers/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'vr-record-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rtp(seq: number, len = 172): Buffer {
  const b = Buffer.alloc(len, 0xd5);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(0x11223344, 8);
  return b;
}

function sip(first: string, callId: string): Buffer {
  const text = `${first}\r\nVia: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-${callId}\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>\r\n` +
    `Call-ID: ${callId}\r\nCSeq: 1 ${first.startsWith('SIP') ? 'INVITE' : first.split(' ')[0]}\r\nContent-Length: 0\r\n\r\n`;
  return Buffer.from(text);
}

const base = { tsSec: 1764748800, tsNsec: 0, dscp: 46 as number | null, transport: 'udp' as const };

function dg(over: Partial<Datagram> & { payload: Buffer }): Datagram {
  return { src: '192.0.2.1', srcPort: 20000, dst: '192.0.2.2', dstPort: 40000, source: 'proxy:a-leg', ...base, ...over };
}

async function record(file: string, items: Datagram[], opts: Partial<RecorderOptions> = {}): Promise<{ rec: PcapngRecorder; errors: string[] }> {
  const errors: string[] = [];
  const rec = new PcapngRecorder({ target: targetOf(file, false, false), policy: { maxBytes: null, maxAgeMs: null, keep: null }, onError: (m) => errors.push(m), ...opts });
  for (const d of items) rec.datagram(d);
  await rec.close();
  return { rec, errors };
}

function readBack(file: string): { records: CaptureRecord[]; error: unknown } {
  const records: CaptureRecord[] = [];
  const s = readCaptureFile(file, (r) => records.push({ ...r, data: Buffer.from(r.data) }));
  return { records, error: s.error };
}

function tshark(file: string, args: string[]): string[] {
  const out = execFileSync('tshark', ['-n', '-r', file, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', ...args], { encoding: 'utf8', timeout: 60_000 });
  return out.split('\n').filter((l) => l !== '');
}

describe('datagrams as raw IP packets', () => {
  const file = join(dir, 'datagrams.pcapng');
  const items: Datagram[] = [
    dg({ payload: rtp(1) }),
    dg({ payload: rtp(2), dscp: 0, src: '192.0.2.2', srcPort: 40002, dst: '192.0.2.3', dstPort: 16000, source: 'proxy:b-leg-out' }),
    dg({ payload: rtp(3), src: '2001:db8::1', dst: '[2001:db8::2]', dscp: 34, source: 'hep:agent' }),
    // a relay record: the first 240 bytes of a 400-byte packet
    dg({ payload: rtp(4, 400).subarray(0, 240), wireBytes: 400 + 28 }),
    dg({ payload: rtp(5, 400).subarray(0, 240), wireBytes: 400 + 48, src: '2001:db8::1', dst: '2001:db8::2' }),
    dg({ payload: sip('INVITE sip:b@example.com SIP/2.0', 'c1'), transport: 'tcp', srcPort: 33000, dstPort: 5060, dscp: null, source: 'proxy:sip' }),
    dg({ payload: sip('SIP/2.0 100 Trying', 'c1'), transport: 'tcp', src: '192.0.2.2', srcPort: 5060, dst: '192.0.2.1', dstPort: 33000, dscp: 24, source: 'proxy:sip-out' }),
    dg({ payload: sip('ACK sip:b@example.com SIP/2.0', 'c1'), transport: 'tcp', srcPort: 33000, dstPort: 5060, dscp: null, source: 'proxy:sip' }),
    dg({ payload: sip('OPTIONS sip:b@example.com SIP/2.0', 'c2'), srcPort: 5060, dstPort: 5060, dscp: 24, source: 'proxy:sip', tsNsec: 999_999_999 }),
  ];

  it('every datagram is one EPB on a raw-IP interface per source, with the real length and ns time', async () => {
    const { rec, errors } = await record(file, items);
    expect(errors).toEqual([]);
    expect(rec.stats).toMatchObject({ records: items.length, dropped: 0, files: 1 });
    const { records, error } = readBack(file);
    expect(error).toBeUndefined();
    expect(records).toHaveLength(items.length);
    items.forEach((d, i) => {
      const r = records[i]!;
      expect(r.linkType).toBe(LINKTYPE_RAW);
      const v6 = d.src.includes(':');
      const headers = (v6 ? 40 : 20) + (d.transport === 'udp' ? 8 : 20);
      expect(r.capLen).toBe(headers + d.payload.length);
      expect(r.origLen).toBe(d.wireBytes ?? headers + d.payload.length);
      expect(r.tsSec).toBe(d.tsSec);
      expect(r.tsNsec).toBe(d.tsNsec);
      // the payload comes back byte for byte after the headers
      expect(Buffer.compare(r.data.subarray(headers), d.payload)).toBe(0);
    });
    expect(new Set(records.map((r) => r.interfaceId)).size).toBe(new Set(items.map((d) => d.source)).size);
  });

  it.skipIf(!hasTshark)('tshark: no malformed packet, no checksum or TCP sequence problem; addresses, ports, DSCP and interface names as given', () => {
    expect(tshark(file, ['-Y', '_ws.malformed || _ws.expert.severity >= "error" || tcp.analysis.flags'])).toEqual([]);
    const rows = tshark(file, ['-T', 'fields', '-E', 'separator=|', '-e', 'frame.interface_name', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.dsfield.dscp', '-e', 'ipv6.tclass.dscp',
      '-e', 'udp.srcport', '-e', 'tcp.srcport', '-e', 'udp.checksum.status', '-e', 'tcp.checksum.status', '-e', 'ip.checksum.status', '-e', 'frame.len', '-e', 'frame.cap_len']);
    expect(rows).toHaveLength(items.length);
    items.forEach((d, i) => {
      const [name, ip4, ip6, dscp4, dscp6, usp, tsp, udpSum, tcpSum, ipSum, len, cap] = rows[i]!.split('|');
      expect(name).toBe(d.source);
      expect(ip4 || ip6).toBe(d.src.replace(/[[\]]/g, ''));
      expect(Number(dscp4 || dscp6)).toBe(d.dscp ?? 0);
      expect(Number(usp || tsp)).toBe(d.srcPort);
      const whole = d.wireBytes === undefined;
      // tshark's checksum status: 1 good, 2 unverified, 3 not present. A cut payload cannot be
      // verified: IPv4 writes none, IPv6 (where UDP must have one) one over the bytes present
      if (d.transport === 'tcp') expect(tcpSum).toBe('1');
      else if (whole) expect(udpSum).toBe('1');
      else expect(udpSum).toBe(ip4 ? '3' : '2');
      if (ip4) expect(ipSum).toBe('1');
      expect(Number(len)).toBe(d.wireBytes ?? Number(cap));
    });
  });

  it.skipIf(!hasTshark)('tshark decodes SIP (over UDP and reassembled TCP) and RTP', () => {
    const methods = tshark(file, ['-Y', 'sip', '-T', 'fields', '-e', 'sip.Method', '-e', 'sip.Status-Code']);
    expect(methods).toEqual(['INVITE', '\t100', 'ACK', 'OPTIONS'].map((m) => (m.startsWith('\t') ? m : `${m}\t`)));
    const seqs = tshark(file, ['-o', 'rtp.heuristic_rtp:TRUE', '-Y', 'rtp', '-T', 'fields', '-e', 'rtp.seq']);
    expect(seqs.map(Number)).toEqual([1, 2, 3, 4, 5]);
    const tcpSeq = tshark(file, ['-Y', 'tcp', '-T', 'fields', '-e', 'tcp.seq_raw', '-e', 'tcp.len', '-e', 'tcp.ack_raw']);
    const [s1, l1] = tcpSeq[0]!.split('\t').map(Number);
    const [s3, , a3] = tcpSeq[2]!.split('\t').map(Number);
    expect(s3).toBe(s1! + l1!);
    // the ACK acknowledges what the other direction sent
    const [s2, l2] = tcpSeq[1]!.split('\t').map(Number);
    expect(a3).toBe(s2! + l2!);
  });

  it('a TCP datagram over 32 KiB becomes several segments whose sequence numbers follow on', async () => {
    const big = Buffer.alloc(70_000, 0x41);
    const f = join(dir, 'big.pcapng');
    const { rec } = await record(f, [dg({ payload: big, transport: 'tcp', dstPort: 5060 })]);
    expect(rec.stats.records).toBe(3);
    const { records } = readBack(f);
    const seqs = records.map((r) => r.data.readUInt32BE(24));
    const lens = records.map((r) => r.capLen - 40);
    expect(lens).toEqual([32768, 32768, 70_000 - 65536]);
    expect(seqs).toEqual([1, 1 + 32768, 1 + 65536]);
  });

  it('a datagram whose address is not IP is dropped and counted, the rest recorded', async () => {
    const f = join(dir, 'bad-address.pcapng');
    const { rec } = await record(f, [dg({ payload: rtp(1), src: 'not-an-address' }), dg({ payload: rtp(2) })]);
    expect(rec.stats).toMatchObject({ records: 1, dropped: 1 });
    expect(readBack(f).records).toHaveLength(1);
  });
});

describe('frames as captured', () => {
  it('keep their link type, bytes, lengths and time; one interface per link type and name', async () => {
    const f = join(dir, 'frames.pcapng');
    const rec = new PcapngRecorder({ target: targetOf(f, false, false), policy: { maxBytes: null, maxAgeMs: null, keep: null }, onError: () => undefined });
    const eth = Buffer.alloc(60, 1);
    const sll = Buffer.alloc(50, 2);
    rec.frame(1, 'eth0', 10, 5, eth, 1514);
    rec.frame(113, 'any', 11, 6, sll, 50);
    rec.frame(1, 'eth0', 12, 7, eth, 60);
    rec.frame(1, 'eth1', 13, 8, eth, 60);
    await rec.close();
    const { records, error } = readBack(f);
    expect(error).toBeUndefined();
    expect(records.map((r) => [r.linkType, r.interfaceId, r.tsSec, r.tsNsec, r.capLen, r.origLen])).toEqual([
      [1, 0, 10, 5, 60, 1514], [113, 1, 11, 6, 50, 50], [1, 0, 12, 7, 60, 60], [1, 2, 13, 8, 60, 60],
    ]);
    expect(Buffer.compare(records[1]!.data, sll)).toBe(0);
  });
});

describe('bounds and failures', () => {
  it('a disk that cannot keep up: records beyond the queue are dropped and counted, what was kept is a valid file', async () => {
    const f = join(dir, 'slow.pcapng');
    // 2,000 records pushed without yielding: the disk gets no chance to write, 64 KiB may wait
    const items = Array.from({ length: 2000 }, (_, i) => dg({ payload: rtp(i) }));
    const { rec } = await record(f, items, { maxPendingBytes: 64 << 10, chunkBytes: 16 << 10 });
    expect(rec.stats.dropped).toBeGreaterThan(0);
    expect(rec.stats.records + rec.stats.dropped).toBe(2000);
    const { records, error } = readBack(f);
    expect(error).toBeUndefined();
    expect(records).toHaveLength(rec.stats.records);
    expect(records.length * (172 + 28 + 32)).toBeLessThanOrEqual(64 << 10);
  });

  it('a full disk (/dev/full) is reported once, naming the file; nothing throws', async () => {
    const items = Array.from({ length: 5000 }, (_, i) => dg({ payload: rtp(i) }));
    const errors: string[] = [];
    const rec = new PcapngRecorder({ target: targetOf('/dev/full', false, false), policy: { maxBytes: null, maxAgeMs: null, keep: null }, onError: (m) => errors.push(m), chunkBytes: 8 << 10 });
    for (let i = 0; i < 5; i++) {
      for (const d of items.slice(i * 1000, i * 1000 + 1000)) rec.datagram(d);
      await new Promise((r) => setTimeout(r, 20));
    }
    await rec.close();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/cannot write \/dev\/full: .*ENOSPC/);
    expect(rec.stats.dropped).toBeGreaterThan(0);
  });

  it('an unwritable path is reported once; every record is dropped', async () => {
    const errors: string[] = [];
    const { rec } = await record(join(dir, 'no', 'such', 'dir', 'x.pcapng'), [dg({ payload: rtp(1) }), dg({ payload: rtp(2) })], { onError: (m) => errors.push(m) });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/cannot write .*no\/such\/dir\/x\.pcapng: .*ENOENT/);
    expect(rec.stats.records).toBe(0);
    expect(rec.stats.dropped).toBe(2);
  });
});

describe('rotation', () => {
  it('by size: files of at most the size, named by UTC start time, the oldest deleted beyond keep', async () => {
    const d = mkdtempSync(join(dir, 'size-'));
    let now = Date.UTC(2026, 11, 3, 8, 0, 0);
    const files: string[] = [];
    const rec = new PcapngRecorder({
      target: targetOf(d, true, true), policy: { maxBytes: 8000, maxAgeMs: null, keep: 3 }, now: () => (now += 7), onError: () => undefined,
      onFile: (p) => files.push(p),
    });
    for (let i = 0; i < 300; i++) rec.datagram(dg({ payload: rtp(i) }));
    await rec.close();
    expect(files.length).toBeGreaterThan(5);
    const left = readdirSync(d).sort();
    expect(left).toEqual(files.slice(-3).map((p) => p.slice(d.length + 1)));
    for (const name of left) expect(name).toMatch(/^voipready-20261203T080\d{3}\.\d{3}Z\.pcapng$/);
    // each kept file is whole (its own SHB and IDB), under the size, and they continue each other
    const seqs: number[] = [];
    for (const name of left) {
      const { records, error } = readBack(join(d, name));
      expect(error).toBeUndefined();
      expect(records.reduce((n, r) => n + 32 + r.capLen, 28 + 40)).toBeLessThanOrEqual(8000);
      seqs.push(...records.map((r) => r.data.readUInt16BE(28 + 2)));
    }
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => 300 - seqs.length + i));
  });

  it('by age: a new file once the current one is that old (wall clock), same-millisecond names kept apart', async () => {
    const d = mkdtempSync(join(dir, 'age-'));
    let now = Date.UTC(2026, 11, 3, 8, 0, 0);
    const files: string[] = [];
    const rec = new PcapngRecorder({
      target: targetOf(join(d, 'pilot.pcapng'), false, true), policy: { maxBytes: null, maxAgeMs: 60_000, keep: null }, now: () => now, onError: () => undefined,
      onFile: (p) => files.push(p.slice(d.length + 1)),
    });
    for (let i = 0; i < 10; i++) {
      rec.datagram(dg({ payload: rtp(i) }));
      now += 25_000;
    }
    await rec.close();
    // 0, 25, 50 s in the first; 75, 100, 125 in the second ...
    expect(files).toEqual(['pilot-20261203T080000.000Z.pcapng', 'pilot-20261203T080115.000Z.pcapng', 'pilot-20261203T080230.000Z.pcapng', 'pilot-20261203T080345.000Z.pcapng']);
    expect(files.map((f) => readBack(join(d, f)).records.length)).toEqual([3, 3, 3, 1]);
  });
});
