import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../src/capture/file-source.js';
import { AddressTable } from '../../../src/decode/ip/address-table.js';
import { FrameDecoder } from '../../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { addInterval, IpFragmentReassembler } from '../../../src/reassembly/ip-fragments.js';

const DATA = Buffer.from('0123456789abcdefghijklmnopqrstuv'); // 32 bytes

function push(r: IpFragmentReassembler, off: number, len: number, more: boolean, id = 1, ts = 0, dscp = 0): Buffer | null {
  return r.push(4, 1, 2, id, 17, off, more, DATA, off, off + len, ts, dscp, 0, 64);
}

describe('addInterval', () => {
  it('merges touching intervals and reports real overlaps only', () => {
    const iv: number[] = [];
    expect(addInterval(iv, 8, 16)).toBe(false);
    expect(addInterval(iv, 0, 8)).toBe(false);
    expect(iv).toEqual([0, 16]);
    expect(addInterval(iv, 24, 32)).toBe(false);
    expect(iv).toEqual([0, 16, 24, 32]);
    expect(addInterval(iv, 8, 24)).toBe(true);
    expect(iv).toEqual([0, 32]);
  });
});

describe('IpFragmentReassembler', () => {
  it('completes in any order, only when every byte and the last fragment are there', () => {
    const r = new IpFragmentReassembler();
    expect(push(r, 16, 16, false)).toBeNull();
    expect(push(r, 16, 16, false)).toBeNull(); // duplicate
    expect(push(r, 0, 8, true, 1, 0, 46)).toBeNull();
    const whole = push(r, 8, 8, true);
    expect(whole?.toString()).toBe(DATA.toString());
    expect(r.dscp).toBe(46);
    expect(r.stats).toMatchObject({ fragments: 4, reassembled: 1, overlaps: 1 });
    expect(r.pendingCount).toBe(0);
    expect(r.heldBytes).toBe(0);
  });

  it('drops datagrams older than the timeout (capture time)', () => {
    const r = new IpFragmentReassembler({ timeoutSec: 30 });
    push(r, 0, 8, true, 1, 100);
    push(r, 0, 8, true, 2, 131);
    expect(r.stats.evictedTimeout).toBe(1);
    expect(push(r, 8, 24, false, 1, 131)).toBeNull(); // datagram 1 is gone: starts anew
    expect(r.pendingCount).toBe(2);
  });

  it('bounds bytes per datagram and in total, counting evictions', () => {
    const r = new IpFragmentReassembler({ maxDatagramBytes: 24, maxTotalBytes: 40 });
    expect(push(r, 16, 16, false)).toBeNull();
    expect(r.stats.evictedOversize).toBe(1);
    expect(r.pendingCount).toBe(0);
    push(r, 0, 16, true, 1);
    push(r, 0, 16, true, 2);
    push(r, 0, 16, true, 3); // 48 bytes > 40: the oldest goes
    expect(r.stats.evictedMemory).toBe(1);
    expect(r.heldBytes).toBeLessThanOrEqual(40);
    expect(push(r, 16, 8, false, 3)?.length).toBe(24);
  });

  it('drops a datagram whose last fragments disagree on its length', () => {
    const r = new IpFragmentReassembler();
    push(r, 16, 16, false);
    expect(push(r, 8, 16, false)).toBeNull();
    expect(r.stats.evictedOversize).toBe(1);
  });
});

const FILE = join(process.cwd(), '..', 'shared', 'pcaps', 'public', 'sngrep-sll-ipv6-frag-sip.pcap');

describe.skipIf(!existsSync(FILE))('sngrep-sll-ipv6-frag-sip.pcap (../shared absent: skipped)', () => {
  it('the fragmented IPv6 datagrams reassemble into the SIP INVITEs (frames 2 and 5, UDP length 1699 / 1879 as tshark says)', () => {
    const t = new AddressTable();
    const dec = new FrameDecoder(t);
    const p = new PacketInfo();
    const invites: Array<[number, number, string]> = [];
    const statuses: string[] = [];
    readCaptureFile(FILE, (rec) => {
      const st = dec.decode(rec, p);
      statuses.push(st);
      if (st === 'ok' && p.reassembled) {
        const text = p.buf.subarray(p.payloadStart, p.payloadEnd).toString('latin1');
        invites.push([p.num, p.payloadLength + 8, text.slice(0, 7)]);
        expect(text).toContain('Call-ID: 71846-1647924829-397430@fd17:625c:f037:2:a00:27ff:feb9:1521');
        expect(t.format(p.srcAddr)).toMatch(/^fd17:625c:f037:2:a00:27ff:feb9:/);
      }
    });
    expect(invites).toEqual([
      [2, 1699, 'INVITE '],
      [5, 1879, 'INVITE '],
    ]);
    expect(statuses.filter((s) => s === 'fragment-pending')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'malformed' || s === 'truncated')).toHaveLength(0);
  });
});
