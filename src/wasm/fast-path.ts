/**
 * AssemblyScript (compiled to dist/wasm/fast-path.wasm by `npm run build:wasm`): the per-packet fast
 * path for RTP packets of flows the TypeScript pipeline has already classified.
 *
 * Why WebAssembly: on a capture of a million packets, half of the run was the JavaScript per-packet
 * path (link/IP/UDP decode, the classification and stream lookups) while the JIT was still warming up;
 * this code is compiled before the first packet and does the same work in a few tens of nanoseconds.
 * It decides nothing on its own: it only recognises a packet whose (source, destination, SSRC) the
 * pipeline bound to a stream after classifying an earlier packet itself (bind), and answers 0 for
 * anything it is not sure about (other link types, IPv6, fragments, CSRCs, header extensions,
 * padding, RTCP-looking payload types), which then takes the full TypeScript path. The pipeline
 * drops bindings whenever a new SDP names one of their endpoints (unbindEndpoint), so a packet is
 * never answered from a classification that SIP has since changed.
 *
 * A bound packet is measured right here, by the stream statistics module's fastPacket (imported from
 * streams.wasm, whose memory holds the streams' records), without a call into JavaScript.
 *
 * Memory: fixed regions (the flow table, then the reader's chunk), no allocation at run time, no growth.
 */

import { decodeRtp, pB1, pDscp, pDst, pPorts, pSeq, pSrc, pSsrc, pTs } from './rtp-decode';
import { bindFlow, findFlow, FLOW_TABLE_END, streamOf } from './flow-table';

export { clear, unbindEndpoint, unbindStream } from './flow-table';

/** streams.ts: measure a packet of stream i when nothing about it needs JavaScript (1), else 0 and no change */
@external("streams", "fastPacket")
declare function fastPacket(i: u32, tsSec: f64, tsNsec: f64, frame: f64, seq: i32, ts: u32, b1: i32, dscp: i32): i32;

/** the capture reader's chunk lives here, so records are decoded where they were read */
const CHUNK_SIZE: u32 = 1 << 20;

/** pcapng interfaces of the current section (walkPcapng): [link type, snap length, decimal exponent] */
const MAX_IFACES: u32 = 256;
const IFACE_BYTES: u32 = 16;
const IFACES: u32 = FLOW_TABLE_END;
const CHUNK: u32 = IFACES + MAX_IFACES * IFACE_BYTES;
const END: u32 = CHUNK + CHUNK_SIZE;
let ifaceCount: u32 = 0;

let grown = false;
/** packets measured by the fast path */
let measured: u32 = 0;

function ensureMemory(): void {
  if (grown) return;
  const need = (END + 0xffff) >> 16;
  const have = <u32>memory.size();
  if (need > have) memory.grow(need - have);
  grown = true;
}

export function chunkOffset(): u32 {
  ensureMemory();
  return CHUNK;
}

export function chunkSize(): u32 {
  return CHUNK_SIZE;
}

/**
 * The frame at [addr, addr + capLen) of record `frame` captured at (tsSec, tsNsec): when it is an RTP
 * packet of a bound flow and its stream can take it without JavaScript, it is measured and the answer
 * is 1; else 0, and nothing changed (the TypeScript path then handles the packet).
 */
export function measure(addr: u32, capLen: u32, linkType: u32, tsSec: f64, tsNsec: f64, frame: f64): i32 {
  if (!decodeRtp(addr, capLen, linkType)) return 0;
  const e = findFlow(pSrc, pDst, pPorts, pSsrc);
  if (e == 0) return 0;
  if (fastPacket(streamOf(e), tsSec, tsNsec, frame, <i32>pSeq, pTs, <i32>pB1, <i32>pDscp) == 0) return 0;
  measured++;
  return 1;
}

export function measuredPackets(): u32 {
  return measured;
}

/** the capture reader's limit on one record (capture-parser.ts MAX_RECORD_BYTES) */
const MAX_RECORD_BYTES: u32 = 256 * 1024 * 1024;

// what the last walkPcap() took: records, their bytes on the wire, the latest nanoseconds
let runRecords: u32 = 0;
let runBytes: f64 = 0;
let runMaxNsec: f64 = 0;

@inline function rd32(p: u32, le: bool): u32 {
  const v = load<u32>(p);
  return le ? v : bswap<u32>(v);
}

/**
 * Classic pcap records in [start, end) of this memory, from the record at start on, taken while each
 * one is whole, within the snap length, captured in `second` and measured by the fast path: the offset
 * after the last one taken (start when none). The first record left is for the TypeScript path.
 * Records are numbered from firstFrame; runRecordCount(), runWireBytes() and runLatestNsec() tell what
 * was taken. nsMul: 1 for nanosecond files, 1000 for microsecond ones.
 */
export function walkPcap(start: u32, end: u32, le: bool, nsMul: f64, snapLen: u32, linkType: u32, second: f64, firstFrame: f64): u32 {
  let off = start;
  let n: u32 = 0;
  let bytes: f64 = 0;
  let maxNsec: f64 = -1;
  while (end - off >= 16) {
    const capLen = rd32(off + 8, le);
    if (capLen > MAX_RECORD_BYTES || capLen > end - off - 16) break;
    if (snapLen > 0 && capLen > snapLen) break;
    if (<f64>rd32(off, le) != second) break;
    const nsec = <f64>rd32(off + 4, le) * nsMul;
    if (measure(off + 16, capLen, linkType, second, nsec, firstFrame + <f64>n) == 0) break;
    bytes += <f64>rd32(off + 12, le);
    if (nsec > maxNsec) maxNsec = nsec;
    n++;
    off += 16 + capLen;
  }
  runRecords = n;
  runBytes = bytes;
  runMaxNsec = maxNsec;
  return off;
}

export function runRecordCount(): u32 {
  return runRecords;
}

export function runWireBytes(): f64 {
  return runBytes;
}

export function runLatestNsec(): f64 {
  return runMaxNsec;
}

/** bind the flow of the frame at addr (when the fast path can decode it) to a stream (its record number) */
export function bind(addr: u32, capLen: u32, linkType: u32, stream: u32): bool {
  if (!decodeRtp(addr, capLen, linkType)) return false;
  if (findFlow(pSrc, pDst, pPorts, pSsrc) == 0) bindFlow(pSrc, pDst, pPorts, pSsrc, stream);
  return true;
}

/**
 * The current pcapng section's interface i: link type, snap length and if_tsresol as a decimal
 * exponent (6: microseconds, 9: nanoseconds; -1 for a resolution walkPcapng leaves to TypeScript).
 */
export function setInterface(i: u32, linkType: u32, snapLen: u32, exponent: i32): void {
  if (i >= MAX_IFACES) return;
  const p = IFACES + i * IFACE_BYTES;
  store<u32>(p, linkType);
  store<u32>(p + 4, snapLen);
  store<i32>(p + 8, exponent);
}

export function setInterfaceCount(n: u32): void {
  ifaceCount = n < MAX_IFACES ? n : MAX_IFACES;
}

/**
 * pcapng enhanced packet blocks in [start, end) of this memory, from the block at start on, taken while
 * each one is whole and well formed (the checks of pcapng-section.ts), names a known interface of link
 * type `linkType` with a decimal timestamp resolution, is within the snap length, was captured in
 * `second` and is measured by the fast path: the offset after the last one taken (start: none). Any
 * other block (a section or interface block, statistics, a simple or obsolete packet block) ends the
 * run and goes to TypeScript. runRecordCount(), runWireBytes() and runLatestNsec() tell what was taken.
 */
export function walkPcapng(start: u32, end: u32, le: bool, linkType: u32, second: f64, firstFrame: f64): u32 {
  let off = start;
  let n: u32 = 0;
  let bytes: f64 = 0;
  let maxNsec: f64 = -1;
  while (end - off >= 32) {
    if (rd32(off, le) != 6) break;
    const len = rd32(off + 4, le);
    if (len < 32 || (len & 3) != 0 || len > end - off) break;
    if (rd32(off + len - 4, le) != len) break;
    const ifId = rd32(off + 8, le);
    if (ifId >= ifaceCount) break;
    const iface = IFACES + ifId * IFACE_BYTES;
    const exponent = load<i32>(iface + 8);
    if (exponent < 0 || load<u32>(iface) != linkType) break;
    const capLen = rd32(off + 20, le);
    if (capLen > len - 32) break;
    const snapLen = load<u32>(iface + 4);
    if (snapLen > 0 && capLen > snapLen) break;
    // timestamp: a 64-bit count of 10^-exponent s; exact in integers (timestamp.ts gives the same)
    const units = (<u64>rd32(off + 12, le) << 32) | <u64>rd32(off + 16, le);
    const perSecond = pow10(exponent);
    const sec = <f64>(units / perSecond);
    if (sec != second) break;
    const nsec = <f64>((units % perSecond) * pow10(9 - exponent));
    if (measure(off + 28, capLen, linkType, sec, nsec, firstFrame + <f64>n) == 0) break;
    bytes += <f64>rd32(off + 24, le);
    if (nsec > maxNsec) maxNsec = nsec;
    n++;
    off += len;
  }
  runRecords = n;
  runBytes = bytes;
  runMaxNsec = maxNsec;
  return off;
}

function pow10(e: i32): u64 {
  let v: u64 = 1;
  for (let i = 0; i < e; i++) v *= 10;
  return v;
}
