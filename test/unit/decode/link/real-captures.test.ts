/**
 * FrameDecoder over public captures, frame by frame against tshark 4.0 (run here when on PATH):
 * source address (IPv6 in RFC 5952 form), DSCP, ports and transport payload length of every
 * UDP/TCP frame, across Ethernet, SLL2, raw IP, NULL, two-interface pcapng and IPv6.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../../src/capture/file-source.js';
import { AddressTable } from '../../../../src/decode/ip/address-table.js';
import { FrameDecoder, type DecodeStatus } from '../../../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../../../src/decode/packet-info.js';

const DIR = join(process.cwd(), '..', 'shared', 'pcaps', 'public');
const HAVE_TSHARK = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const FILES = ['ndpi-webrtc-meet-ipv6-multiif.pcapng', 'heplify-rawip-sip.pcap', 'suricata-sip-tcp-bigbody-null.pcap', 'lab-sipp-loss2.pcapng', 'heplify-sll-sip-tcp-retrans.pcap'];

describe.skipIf(!existsSync(DIR) || !HAVE_TSHARK)('FrameDecoder vs tshark on public captures (../shared or tshark absent: skipped)', () => {
  it.each(FILES)('%s: every UDP/TCP frame decodes like tshark', (f) => {
    const path = join(DIR, f);
    const fields = ['frame.number', 'ip.src', 'ipv6.src', 'ip.dsfield.dscp', 'ipv6.tclass.dscp', 'udp.srcport', 'tcp.srcport', 'udp.dstport', 'tcp.dstport', 'udp.length', 'tcp.len'];
    const out = execFileSync('tshark', ['-r', path, '-Y', '(udp or tcp) and not icmp and not icmpv6', '-T', 'fields', '-E', 'occurrence=f', ...fields.flatMap((x) => ['-e', x])], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const ref = out.trim().split('\n').filter((l) => l !== '').map((l) => {
      const [num, s4, s6, d4, d6, us, ts, ud, td, ul, tl] = l.split('\t');
      const udp = (us ?? '') !== '';
      return `${num} ${s4 || s6} dscp=${d4 || d6} ${udp ? us : ts}>${udp ? ud : td} len=${udp ? Number(ul) - 8 : tl}`;
    });
    const t = new AddressTable();
    const dec = new FrameDecoder(t);
    const p = new PacketInfo();
    const ours: string[] = [];
    const bad: DecodeStatus[] = [];
    readCaptureFile(path, (rec) => {
      const st = dec.decode(rec, p);
      if (st === 'malformed') {
        bad.push(st);
      }
      if (st === 'ok' && (p.proto === 17 || p.proto === 6)) {
        ours.push(`${p.num} ${t.format(p.srcAddr)} dscp=${p.dscp} ${p.srcPort}>${p.dstPort} len=${p.payloadLength}`);
      }
    });
    expect(ref.length).toBeGreaterThan(0);
    expect(ours).toEqual(ref);
    expect(bad).toEqual([]);
  });

  it('neg-sll2-icmp.pcap (SLL2): IP frames and their source addresses as tshark, ARP is not-ip', () => {
    const path = join(DIR, 'neg-sll2-icmp.pcap');
    const out = execFileSync('tshark', ['-r', path, '-T', 'fields', '-E', 'occurrence=f', '-e', 'frame.number', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'arp'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const ref = out.trim().split('\n').map((l) => {
      const [num, s4, s6] = l.split('\t');
      return `${num} ${s4 || s6 ? `ok ${s4 || s6}` : 'not-ip'}`;
    });
    const t = new AddressTable();
    const dec = new FrameDecoder(t);
    const p = new PacketInfo();
    const ours: string[] = [];
    readCaptureFile(path, (rec) => {
      const st = dec.decode(rec, p);
      ours.push(`${rec.num} ${st}${st === 'ok' ? ` ${t.format(p.srcAddr)}` : ''}`);
    });
    expect(ours).toEqual(ref);
    expect(ours.some((l) => l.endsWith('not-ip'))).toBe(true);
  });
});
