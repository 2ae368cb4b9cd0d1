/**
 * A tiny classic-pcap walker for tests: UDP payloads of raw-IPv4 (LINKTYPE_RAW 101 / 228) and
 * Ethernet (1) captures, enough to feed real SIP to the parser without the capture/ module.
 * Frames that are not plain IPv4/UDP (IPv6, fragments, TCP) are skipped.
 */
import { readFileSync } from 'node:fs';

export interface UdpPayload {
  /** 1-based frame number */
  num: number;
  epochMs: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  dscp: number;
  payload: Buffer;
}

export function udpPayloads(file: string): UdpPayload[] {
  const f = readFileSync(file);
  const magic = f.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && f.readUInt32BE(0) !== 0xa1b2c3d4 && f.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('not a classic pcap');
  const nano = (le ? magic : f.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const linkType = u32(20) & 0xffff;
  const out: UdpPayload[] = [];
  let pos = 24;
  let num = 0;
  while (pos + 16 <= f.length) {
    const sec = u32(pos);
    const frac = u32(pos + 4);
    const capLen = u32(pos + 8);
    const start = pos + 16;
    pos = start + capLen;
    num++;
    if (pos > f.length) break;
    let ip = start;
    if (linkType === 1) {
      if (f.readUInt16BE(start + 12) !== 0x0800) continue;
      ip = start + 14;
    } else if (linkType !== 101 && linkType !== 228) continue;
    if (f[ip]! >> 4 !== 4 || f[ip + 9] !== 17) continue;
    if ((f.readUInt16BE(ip + 6) & 0x3fff) !== 0) continue; // fragment
    const ihl = (f[ip]! & 0x0f) * 4;
    const udp = ip + ihl;
    const ipEnd = Math.min(ip + f.readUInt16BE(ip + 2), pos);
    out.push({
      num,
      epochMs: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3),
      src: [...f.subarray(ip + 12, ip + 16)].join('.'),
      dst: [...f.subarray(ip + 16, ip + 20)].join('.'),
      srcPort: f.readUInt16BE(udp),
      dstPort: f.readUInt16BE(udp + 2),
      dscp: f[ip + 1]! >> 2,
      payload: f.subarray(udp + 8, ipEnd),
    });
  }
  return out;
}

export interface TcpSegment {
  num: number;
  epochMs: number;
  /** "src:port>dst:port", one key per direction */
  dir: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  dscp: number;
  payload: Buffer;
}

/** IPv4 header offset of a frame for the link types our test captures use, or -1 */
function ipv4Offset(f: Buffer, linkType: number, start: number): number {
  if (linkType === 101 || linkType === 228) return start;
  if (linkType === 0) return f.readUInt32LE(start) === 2 || f.readUInt32BE(start) === 2 ? start + 4 : -1; // BSD null
  if (linkType === 1) return f.readUInt16BE(start + 12) === 0x0800 ? start + 14 : -1;
  if (linkType === 113) return f.readUInt16BE(start + 14) === 0x0800 ? start + 16 : -1; // Linux SLL
  return -1;
}

/**
 * TCP payloads of IPv4 frames in file order, with retransmitted bytes dropped per direction
 * (enough for captures without reordering; not a TCP reassembler).
 */
export function tcpSegments(file: string): TcpSegment[] {
  const f = readFileSync(file);
  const le = f.readUInt32LE(0) === 0xa1b2c3d4 || f.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const nano = u32(0) === 0xa1b23c4d;
  const linkType = u32(20) & 0xffff;
  const next = new Map<string, number>();
  const out: TcpSegment[] = [];
  let pos = 24;
  let num = 0;
  while (pos + 16 <= f.length) {
    const sec = u32(pos);
    const frac = u32(pos + 4);
    const start = pos + 16;
    pos = start + u32(pos + 8);
    num++;
    if (pos > f.length) break;
    const ip = ipv4Offset(f, linkType, start);
    if (ip < 0 || f[ip]! >> 4 !== 4 || f[ip + 9] !== 6) continue;
    const tcp = ip + (f[ip]! & 0x0f) * 4;
    const dataStart = tcp + (f[tcp + 12]! >> 4) * 4;
    const ipEnd = Math.min(ip + f.readUInt16BE(ip + 2), pos);
    const src = [...f.subarray(ip + 12, ip + 16)].join('.');
    const dst = [...f.subarray(ip + 16, ip + 20)].join('.');
    const srcPort = f.readUInt16BE(tcp);
    const dstPort = f.readUInt16BE(tcp + 2);
    const dir = `${src}:${srcPort}>${dst}:${dstPort}`;
    const seq = f.readUInt32BE(tcp + 4);
    const flags = f[tcp + 13]!;
    let data = f.subarray(dataStart, ipEnd);
    const expected = next.get(dir);
    if ((flags & 0x02) !== 0) {
      next.set(dir, (seq + 1) >>> 0);
      continue;
    }
    if (expected !== undefined) {
      const behind = (expected - seq) | 0; // bytes of this segment already delivered
      if (behind >= data.length) continue;
      if (behind > 0) data = data.subarray(behind);
    }
    next.set(dir, (seq + (ipEnd - dataStart)) >>> 0);
    if (data.length === 0) continue;
    out.push({ num, epochMs: sec * 1000 + (nano ? frac / 1e6 : frac / 1e3), dir, src, dst, srcPort, dstPort, dscp: f[ip + 1]! >> 2, payload: data });
  }
  return out;
}
