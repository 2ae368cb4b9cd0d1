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
 * Memory: fixed regions after the static data, no allocation at run time, no growth.
 */

/** streams.ts: measure a packet of stream i when nothing about it needs JavaScript (1), else 0 and no change */
@external("streams", "fastPacket")
declare function fastPacket(i: u32, tsSec: f64, tsNsec: f64, frame: f64, seq: i32, ts: u32, b1: i32, dscp: i32): i32;

const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_IPV4: u32 = 228;

/**
 * binding table: open addressing, 32-byte entries. It starts small (it is probed for every packet: a
 * small table stays in the CPU cache) and doubles when half full, up to MAX_SLOTS; beyond that it is
 * cleared and rebuilt lazily by the TypeScript path.
 */
const MIN_SLOTS: u32 = 1024;
const MAX_SLOTS: u32 = 65536;
const ENTRY: u32 = 32;
const EMPTY: u32 = 0;
const LIVE: u32 = 1;
const DELETED: u32 = 2;

/** endpoints named by any binding (so an SDP for an endpoint without bindings costs no table scan) */
const EP_SLOTS: u32 = 8192;

/** the capture reader's chunk lives here, so records are decoded where they were read */
const CHUNK_SIZE: u32 = 1 << 20;

const BASE: u32 = (<u32>__heap_base + 63) & ~63;
const TABLE: u32 = BASE;
/** the old table while it is rehashed into a larger one */
const REHASH: u32 = TABLE + MAX_SLOTS * ENTRY;
const EPSET: u32 = REHASH + (MAX_SLOTS / 2) * ENTRY;
const CHUNK: u32 = EPSET + EP_SLOTS * 8;
const END: u32 = CHUNK + CHUNK_SIZE;

let slots: u32 = MIN_SLOTS;
/** entries live or deleted (a deleted one still lengthens probes until the table is rebuilt) */
let used: u32 = 0;
let grown = false;
/** packets measured by the fast path */
let measured: u32 = 0;

// the decoded packet (valid after decodeRtp answered true)
let pSrc: u32 = 0;
let pDst: u32 = 0;
let pPorts: u32 = 0;
let pSsrc: u32 = 0;
let pDscp: u32 = 0;
let pB1: u32 = 0;
let pSeq: u32 = 0;
let pTs: u32 = 0;

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

@inline function be16(p: u32): u32 {
  return (<u32>load<u8>(p) << 8) | <u32>load<u8>(p + 1);
}

@inline function be32(p: u32): u32 {
  return bswap<u32>(load<u32>(p));
}

/**
 * Decode the frame [f, f + capLen) down to a plain RTP header, with the same length rules as the
 * TypeScript decoders (link.ts, ipv4.ts, udp.ts, rtp.ts); false for anything the fast path leaves alone.
 */
function decodeRtp(f: u32, capLen: u32, linkType: u32): bool {
  const end = f + capLen;
  let ip: u32;
  if (linkType == LINKTYPE_ETHERNET) {
    if (capLen < 14) return false;
    let t = be16(f + 12);
    let p = f + 14;
    while (t == 0x8100 || t == 0x88a8 || t == 0x9100) {
      if (end - p < 4) return false;
      t = be16(p + 2);
      p += 4;
    }
    if (t != 0x0800) return false;
    ip = p;
  } else if (linkType == LINKTYPE_RAW || linkType == LINKTYPE_IPV4) {
    ip = f;
  } else {
    return false;
  }
  // IPv4 (ipv4.ts): version 4, IHL >= 5, total length (0: what was captured) within the capture
  if (end - ip < 20) return false;
  const b0 = <u32>load<u8>(ip);
  if (b0 >> 4 != 4) return false;
  const hlen = (b0 & 15) << 2;
  if (hlen < 20) return false;
  let total = be16(ip + 2);
  if (total == 0) total = end - ip;
  if (total < hlen || end - ip < total) return false;
  if ((be16(ip + 6) & 0x3fff) != 0) return false; // a fragment: reassembly is the slow path's
  if (load<u8>(ip + 9) != 17) return false;
  // UDP (udp.ts): length (0: the IP payload) between 8 and the IP payload
  const u = ip + hlen;
  const ipEnd = ip + total;
  if (ipEnd - u < 8) return false;
  let ulen = be16(u + 4);
  if (ulen == 0) ulen = ipEnd - u;
  if (ulen < 8 || ulen > ipEnd - u) return false;
  // RTP (rtp.ts): exactly V=2, no padding, no extension, no CSRC; not an RTCP-looking type (72..76)
  const r = u + 8;
  if (ulen - 8 < 12) return false;
  if (load<u8>(r) != 0x80) return false;
  const b1 = <u32>load<u8>(r + 1);
  const pt = b1 & 0x7f;
  if (pt >= 72 && pt <= 76) return false;
  pSrc = be32(ip + 12);
  pDst = be32(ip + 16);
  pPorts = be32(u);
  pSsrc = be32(r + 8);
  pDscp = <u32>load<u8>(ip + 1) >> 2;
  pB1 = b1;
  pSeq = be16(r + 2);
  pTs = be32(r + 4);
  return true;
}

@inline function mix(h: u32): u32 {
  h ^= h >> 16;
  h *= 0x7feb352d;
  h ^= h >> 15;
  h *= 0x846ca68b;
  h ^= h >> 16;
  return h;
}

@inline function slotOf(src: u32, dst: u32, ports: u32, ssrc: u32): u32 {
  return mix(src * 0x9e3779b1 ^ dst * 0x85ebca77 ^ ports * 0xc2b2ae3d ^ ssrc * 0x27d4eb2f) & (slots - 1);
}

/** the entry of the decoded packet's key, or 0 */
function find(): u32 {
  const mask = slots - 1;
  let i = slotOf(pSrc, pDst, pPorts, pSsrc);
  for (let n: u32 = 0; n < slots; n++) {
    const e = TABLE + i * ENTRY;
    const state = load<u32>(e + 16);
    if (state == EMPTY) return 0;
    if (state == LIVE && load<u32>(e) == pSrc && load<u32>(e + 4) == pDst && load<u32>(e + 8) == pPorts && load<u32>(e + 12) == pSsrc) return e;
    i = (i + 1) & mask;
  }
  return 0;
}

/**
 * The frame at [addr, addr + capLen) of record `frame` captured at (tsSec, tsNsec): when it is an RTP
 * packet of a bound flow and its stream can take it without JavaScript, it is measured and the answer
 * is 1; else 0, and nothing changed (the TypeScript path then handles the packet).
 */
export function measure(addr: u32, capLen: u32, linkType: u32, tsSec: f64, tsNsec: f64, frame: f64): i32 {
  if (!decodeRtp(addr, capLen, linkType)) return 0;
  const e = find();
  if (e == 0) return 0;
  if (fastPacket(load<u32>(e + 20), tsSec, tsNsec, frame, <i32>pSeq, pTs, <i32>pB1, <i32>pDscp) == 0) return 0;
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
  if (find() != 0) return true;
  if (used >= slots / 2) {
    if (slots < MAX_SLOTS) grow();
    else clear();
  }
  insert(pSrc, pDst, pPorts, pSsrc, stream);
  addEndpoint(pSrc, pPorts >> 16);
  addEndpoint(pDst, pPorts & 0xffff);
  return true;
}

function insert(src: u32, dst: u32, ports: u32, ssrc: u32, stream: u32): void {
  const mask = slots - 1;
  let i = slotOf(src, dst, ports, ssrc);
  for (;;) {
    const e = TABLE + i * ENTRY;
    const state = load<u32>(e + 16);
    if (state != LIVE) {
      if (state == EMPTY) used++;
      store<u32>(e, src);
      store<u32>(e + 4, dst);
      store<u32>(e + 8, ports);
      store<u32>(e + 12, ssrc);
      store<u32>(e + 16, LIVE);
      store<u32>(e + 20, stream);
      return;
    }
    i = (i + 1) & mask;
  }
}

/** twice the slots; the live entries move over, the deleted ones are dropped */
function grow(): void {
  const old = slots;
  memory.copy(REHASH, TABLE, old * ENTRY);
  slots = old * 2;
  memory.fill(TABLE, 0, slots * ENTRY);
  used = 0;
  for (let i: u32 = 0; i < old; i++) {
    const e = REHASH + i * ENTRY;
    if (load<u32>(e + 16) == LIVE) insert(load<u32>(e), load<u32>(e + 4), load<u32>(e + 8), load<u32>(e + 12), load<u32>(e + 20));
  }
}

@inline function epKey(addr4: u32, port: u32): u64 {
  return ((<u64>addr4 << 16) | <u64>port) + 1;
}

function epSlot(k: u64): u32 {
  return mix(<u32>k ^ mix(<u32>(k >> 32))) & (EP_SLOTS - 1);
}

function addEndpoint(addr4: u32, port: u32): void {
  const k = epKey(addr4, port);
  let i = epSlot(k);
  for (let n: u32 = 0; n < EP_SLOTS; n++) {
    const p = EPSET + i * 8;
    const v = load<u64>(p);
    if (v == k) return;
    if (v == 0) {
      store<u64>(p, k);
      return;
    }
    i = (i + 1) & (EP_SLOTS - 1);
  }
  // full: forget every binding rather than lose track of one
  clear();
}

function hasEndpoint(addr4: u32, port: u32): bool {
  const k = epKey(addr4, port);
  let i = epSlot(k);
  for (let n: u32 = 0; n < EP_SLOTS; n++) {
    const v = load<u64>(EPSET + i * 8);
    if (v == k) return true;
    if (v == 0) return false;
    i = (i + 1) & (EP_SLOTS - 1);
  }
  return false;
}

/** drop every binding with addr4:port as its source or destination (an SDP just named it) */
export function unbindEndpoint(addr4: u32, port: u32): void {
  if (!hasEndpoint(addr4, port)) return;
  for (let i: u32 = 0; i < slots; i++) {
    const e = TABLE + i * ENTRY;
    if (load<u32>(e + 16) != LIVE) continue;
    const ports = load<u32>(e + 8);
    if ((load<u32>(e) == addr4 && ports >> 16 == port) || (load<u32>(e + 4) == addr4 && (ports & 0xffff) == port)) {
      store<u32>(e + 16, DELETED);
    }
  }
}

/** forget every binding */
export function clear(): void {
  memory.fill(TABLE, 0, slots * ENTRY);
  memory.fill(EPSET, 0, EP_SLOTS * 8);
  slots = MIN_SLOTS;
  used = 0;
}
