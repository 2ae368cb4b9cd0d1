import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../src/capture/file-source.js';
import { AddressTable } from '../../../src/decode/ip/address-table.js';
import { FrameDecoder } from '../../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../../../src/decode/transport/tcp.js';
import { seqDiff, TcpReassembler, type TcpFlowInfo } from '../../../src/reassembly/tcp-stream.js';

interface Delivery {
  flow: number;
  dir: 0 | 1;
  text: string;
  num: number;
}

function harness(opts?: { maxBufferedBytesPerFlow?: number; maxFlows?: number }) {
  const got: Delivery[] = [];
  const flows = new Map<number, TcpFlowInfo>();
  const r = new TcpReassembler((flow, dir, bytes, p) => {
    flows.set(flow.id, flow);
    got.push({ flow: flow.id, dir, text: bytes.toString('latin1'), num: p.num });
  }, opts);
  let num = 0;
  const seg = (from: 'c' | 's', seq: number, data: string, flags = TCP_ACK, port = 40000): void => {
    const p = new PacketInfo();
    const c = from === 'c';
    p.num = ++num;
    p.proto = 6;
    p.ipVersion = 4;
    p.srcAddr = c ? 0x0a000001 : 0x0a000002;
    p.dstAddr = c ? 0x0a000002 : 0x0a000001;
    p.srcPort = c ? port : 5060;
    p.dstPort = c ? 5060 : port;
    p.tcpSeq = seq >>> 0;
    p.tcpFlags = flags;
    p.buf = Buffer.concat([Buffer.alloc(54, 0xee), Buffer.from(data, 'latin1')]);
    p.payloadStart = 54;
    p.payloadEnd = p.buf.length;
    r.push(p);
  };
  const text = (dir: 0 | 1, flow?: number): string => got.filter((g) => g.dir === dir && (flow === undefined || g.flow === flow)).map((g) => g.text).join('');
  return { r, got, flows, seg, text };
}

describe('seqDiff (RFC 9293 section 3.4, modulo 2^32)', () => {
  it('is signed and wraps', () => {
    expect(seqDiff(5, 3)).toBe(2);
    expect(seqDiff(3, 5)).toBe(-2);
    expect(seqDiff(2, 0xfffffffe)).toBe(4);
    expect(seqDiff(0xfffffffe, 2)).toBe(-4);
  });
});

describe('TcpReassembler', () => {
  it('syncs on SYN, delivers in order once, both directions, client is side 0', () => {
    const h = harness();
    h.seg('c', 999, '', TCP_SYN);
    h.seg('s', 4999, '', TCP_SYN | TCP_ACK);
    h.seg('c', 1000, 'INVITE ');
    h.seg('c', 1007, 'sip:x');
    h.seg('s', 5000, 'SIP/2.0 100');
    expect(h.text(0)).toBe('INVITE sip:x');
    expect(h.text(1)).toBe('SIP/2.0 100');
    const f = [...h.flows.values()][0];
    expect(f).toMatchObject({ id: 1, addr0: 0x0a000001, port0: 40000, addr1: 0x0a000002, port1: 5060 });
  });

  it('retransmissions and partial overlaps are not delivered twice', () => {
    const h = harness();
    h.seg('c', 100, 'abcdef');
    h.seg('c', 100, 'abcdef'); // full retransmission
    h.seg('c', 103, 'defghi'); // overlaps 3 bytes
    h.seg('c', 90, 'x'); // old
    expect(h.text(0)).toBe('abcdefghi');
    expect(h.r.stats.retransmissions).toBe(3);
  });

  it('holds out-of-order segments until the hole fills; the completing packet is reported', () => {
    const h = harness();
    h.seg('c', 0, '', TCP_SYN);
    h.seg('c', 1, 'AAAA');
    h.seg('c', 9, 'CCCC'); // num 3, early
    h.seg('c', 13, 'DD'); // num 4, early
    expect(h.text(0)).toBe('AAAA');
    h.seg('c', 5, 'BBBB'); // num 5 fills the hole
    expect(h.text(0)).toBe('AAAABBBBCCCCDD');
    expect(h.got.slice(1).map((g) => g.num)).toEqual([5, 5, 5]);
    expect(h.r.stats.outOfOrder).toBe(2);
    expect(h.r.stats.gaps).toBe(0);
  });

  it('across the 2^32 sequence wrap', () => {
    const h = harness();
    h.seg('c', 0xfffffffc, 'abcd');
    h.seg('c', 4, 'ijkl');
    h.seg('c', 0, 'efgh');
    expect(h.text(0)).toBe('abcdefghijkl');
  });

  it('skips ahead and counts a gap when the hold limit is reached, and at flush', () => {
    const h = harness({ maxBufferedBytesPerFlow: 10 });
    h.seg('c', 0, 'aa');
    h.seg('c', 10, 'xxxxxx'); // hole 2..10
    h.seg('c', 16, 'yyyyyy'); // would exceed 10 held bytes: skip the hole
    expect(h.text(0)).toBe('aaxxxxxxyyyyyy');
    expect(h.r.stats.gaps).toBe(1);
    h.seg('c', 30, 'zz'); // a hole that never fills
    expect(h.text(0)).toBe('aaxxxxxxyyyyyy');
    h.r.flush();
    expect(h.text(0)).toBe('aaxxxxxxyyyyyyzz');
    expect(h.r.stats.gaps).toBe(2);
    expect(h.r.flowCount).toBe(0);
  });

  it('FIN from both sides or RST closes the flow and frees it; bare ACKs create no flow', () => {
    const h = harness();
    h.seg('c', 0, 'hello');
    h.seg('c', 5, '', TCP_FIN | TCP_ACK);
    expect(h.r.flowCount).toBe(1);
    h.seg('s', 0, '', TCP_FIN | TCP_ACK);
    expect(h.r.flowCount).toBe(0);
    h.seg('c', 6, '', TCP_ACK);
    expect(h.r.flowCount).toBe(0);
    h.seg('c', 0, 'again', TCP_ACK, 40001);
    h.seg('s', 0, '', TCP_RST, 40001);
    expect(h.r.flowCount).toBe(0);
    expect(h.got.map((g) => g.flow)).toEqual([1, 2]);
  });

  it('bounds the number of flows, dropping the least recently active', () => {
    const h = harness({ maxFlows: 2 });
    h.seg('c', 0, 'a', TCP_ACK, 1);
    h.seg('c', 0, 'b', TCP_ACK, 2);
    h.seg('c', 1, 'a', TCP_ACK, 1); // flow 1 active again
    h.seg('c', 0, 'c', TCP_ACK, 3); // evicts flow 2
    expect(h.r.flowCount).toBe(2);
    h.seg('c', 1, 'b', TCP_ACK, 2); // flow 2 is new again: id 4
    expect(h.got.at(-1)?.flow).toBe(4);
  });
});

const DIR = join(process.cwd(), '..', 'shared', 'pcaps', 'public');
const HAVE_TSHARK = (() => {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** reassemble every TCP flow of a capture: "addr:port>addr:port" -> concatenated bytes */
function reassembleFile(file: string): { streams: Map<string, Buffer[]>; r: TcpReassembler } {
  const t = new AddressTable();
  const dec = new FrameDecoder(t);
  const p = new PacketInfo();
  const streams = new Map<string, Buffer[]>();
  const r = new TcpReassembler((f, dir, bytes) => {
    const a = t.formatEndpoint(f.addr0, f.port0);
    const b = t.formatEndpoint(f.addr1, f.port1);
    const key = dir === 0 ? `${a}>${b}` : `${b}>${a}`;
    const list = streams.get(key) ?? [];
    list.push(Buffer.from(bytes));
    streams.set(key, list);
  });
  const s = readCaptureFile(file, (rec) => {
    if (dec.decode(rec, p) === 'ok') {
      r.push(p);
    }
  });
  expect(s.error).toBeUndefined();
  r.flush();
  return { streams, r };
}

/** tshark's reassembled stream per direction (follow,tcp,raw): "node>node" -> bytes */
function tsharkFollow(file: string, stream: number): Map<string, Buffer> {
  const out = execFileSync('tshark', ['-r', file, '-q', '-z', `follow,tcp,raw,${stream}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
  const lines = out.split('\n');
  const n0 = lines.find((l) => l.startsWith('Node 0: '))?.slice(8) ?? '';
  const n1 = lines.find((l) => l.startsWith('Node 1: '))?.slice(8) ?? '';
  const parts: [string[], string[]] = [[], []];
  for (const l of lines) {
    if (/^\t?[0-9a-f]+$/.test(l)) {
      parts[l.startsWith('\t') ? 1 : 0].push(l.trim());
    }
  }
  return new Map([
    [`${n0}>${n1}`, Buffer.from(parts[0].join(''), 'hex')],
    [`${n1}>${n0}`, Buffer.from(parts[1].join(''), 'hex')],
  ]);
}

describe.skipIf(!existsSync(DIR) || !HAVE_TSHARK)('real captures against tshark follow,tcp (../shared or tshark absent: skipped)', () => {
  it('heplify-sll-sip-tcp-retrans: the retransmitted SIP segment is delivered once', () => {
    const file = join(DIR, 'heplify-sll-sip-tcp-retrans.pcap');
    const { streams, r } = reassembleFile(file);
    expect(r.stats.retransmissions).toBeGreaterThanOrEqual(1);
    const ref = tsharkFollow(file, 2);
    expect(ref.size).toBe(2);
    for (const [key, bytes] of ref) {
      expect(bytes.length).toBeGreaterThan(0);
      expect(Buffer.concat(streams.get(key) ?? []).equals(bytes), key).toBe(true);
    }
    const toServer = Buffer.concat(streams.get('172.168.0.252:52795>172.168.0.228:5060') ?? []).toString('latin1');
    expect(toServer.split('REGISTER sip:').length - 1).toBe(2);
  });

  it('suricata-sip-tcp-bigbody-null: the 65 KB INVITE body across 5 segments arrives whole (NULL link type)', () => {
    const file = join(DIR, 'suricata-sip-tcp-bigbody-null.pcap');
    const { streams } = reassembleFile(file);
    const ref = tsharkFollow(file, 0);
    for (const [key, bytes] of ref) {
      expect(Buffer.concat(streams.get(key) ?? []).equals(bytes), key).toBe(true);
    }
    const msg = [...ref.values()].map((b) => b.toString('latin1')).find((s) => s.startsWith('INVITE')) ?? '';
    const cl = Number(/Content-Length:\s*(\d+)/i.exec(msg)?.[1]);
    expect(cl).toBeGreaterThan(65000);
    expect(msg.length - (msg.indexOf('\r\n\r\n') + 4)).toBe(cl);
  });
});
