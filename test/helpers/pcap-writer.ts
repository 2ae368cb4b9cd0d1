/**
 * Test-only classic pcap writer: Ethernet / IPv4 / UDP frames around a payload (RTP bytes built by
 * rtpPacket()). Used to craft captures that tshark then measures as the independent reference.
 */
import { encodeRtpPacket } from '../../src/encode/rtp.js';

export interface UdpFrame {
  /** seconds since the epoch (fractional allowed; stored in microseconds) */
  time: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  dscp?: number;
  payload: Uint8Array;
}

function ip4(text: string): number[] {
  return text.split('.').map(Number);
}

/** an RTP packet with `payload` bytes of 0xd5 (PCMA silence) after the 12-byte header */
export function rtpPacket(o: {
  seq: number;
  ts: number;
  ssrc: number;
  pt: number;
  marker?: boolean;
  payload?: number;
}): Buffer {
  return encodeRtpPacket(
    { marker: o.marker === true, payloadType: o.pt, sequence: o.seq, timestamp: o.ts, ssrc: o.ssrc },
    Buffer.alloc(o.payload ?? 160, 0xd5),
  );
}

export function pcapFile(frames: UdpFrame[]): Buffer {
  return Buffer.concat([pcapHeader(), ...frames.map(pcapRecord)]);
}

/** the 24-byte global header of a classic pcap (microseconds, Ethernet): a stream writer sends it first */
export function pcapHeader(): Buffer {
  const gh = Buffer.alloc(24);
  gh.writeUInt32LE(0xa1b2c3d4, 0);
  gh.writeUInt16LE(2, 4);
  gh.writeUInt16LE(4, 6);
  gh.writeUInt32LE(65535, 16);
  gh.writeUInt32LE(1, 20);
  return gh;
}

/** one record (16-byte record header and the Ethernet frame) of a classic pcap */
export function pcapRecord(fr: UdpFrame): Buffer {
  const udpLen = 8 + fr.payload.length;
  const ipLen = 20 + udpLen;
  const out = Buffer.alloc(16 + 14 + ipLen);
  const frame = out.subarray(16);
  frame.set([0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 6], 0);
  frame.writeUInt16BE(0x0800, 12);
  const ip = 14;
  frame[ip] = 0x45;
  frame[ip + 1] = (fr.dscp ?? 0) << 2;
  frame.writeUInt16BE(ipLen, ip + 2);
  frame[ip + 8] = 64;
  frame[ip + 9] = 17;
  frame.set(ip4(fr.src), ip + 12);
  frame.set(ip4(fr.dst), ip + 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += frame.readUInt16BE(ip + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  frame.writeUInt16BE(~sum & 0xffff, ip + 10);
  const u = ip + 20;
  frame.writeUInt16BE(fr.sport, u);
  frame.writeUInt16BE(fr.dport, u + 2);
  frame.writeUInt16BE(udpLen, u + 4);
  frame.set(fr.payload, u + 8);
  let sec = Math.floor(fr.time);
  let usec = Math.round((fr.time - sec) * 1e6);
  // rounding may reach a whole second: carry it, a record's microseconds stay below 1e6
  if (usec >= 1e6) {
    sec++;
    usec -= 1e6;
  }
  out.writeUInt32LE(sec, 0);
  out.writeUInt32LE(usec, 4);
  out.writeUInt32LE(frame.length, 8);
  out.writeUInt32LE(frame.length, 12);
  return out;
}
