/**
 * TCP header decode (RFC 9293 section 3.1): ports, sequence and acknowledgement numbers, flags,
 * and the data offset checked against the IP payload.
 */
import type { PacketInfo } from '../packet-info.js';
import { TRANSPORT_MALFORMED, TRANSPORT_OK, TRANSPORT_TRUNCATED } from './udp.js';
import { u16be, u32be } from '../bytes.js';

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export function decodeTcp(buf: Buffer, off: number, end: number, out: PacketInfo): number {
  if (end - off < 20) {
    return TRANSPORT_TRUNCATED;
  }
  const dataOffset = ((buf[off + 12] ?? 0) >> 4) * 4;
  if (dataOffset < 20) {
    return TRANSPORT_MALFORMED;
  }
  if (dataOffset > end - off) {
    return TRANSPORT_TRUNCATED;
  }
  out.srcPort = u16be(buf, off);
  out.dstPort = u16be(buf, off + 2);
  out.tcpSeq = u32be(buf, off + 4);
  out.tcpAck = u32be(buf, off + 8);
  // 9 flag bits: NS in byte 12's low bit, then CWR..FIN in byte 13
  out.tcpFlags = (buf[off + 13] ?? 0) | (((buf[off + 12] ?? 0) & 1) << 8);
  out.payloadStart = off + dataOffset;
  out.payloadEnd = end;
  return TRANSPORT_OK;
}
