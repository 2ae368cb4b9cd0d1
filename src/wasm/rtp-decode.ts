/**
 * AssemblyScript: a captured frame down to a plain RTP header, for the fast path (fast-path.ts), with
 * the same length rules as the TypeScript decoders (link.ts, ipv4.ts, udp.ts, rtp.ts). It answers false
 * for anything it leaves to them: other link types, IPv6, fragments, CSRCs, header extensions, padding,
 * RTCP-looking payload types. The fields of the last frame it accepted are the exported p* globals.
 */

const LINKTYPE_ETHERNET: u32 = 1;
const LINKTYPE_RAW: u32 = 101;
const LINKTYPE_IPV4: u32 = 228;

// the decoded packet (valid after decodeRtp answered true)
export let pSrc: u32 = 0;
export let pDst: u32 = 0;
export let pPorts: u32 = 0;
export let pSsrc: u32 = 0;
export let pDscp: u32 = 0;
export let pB1: u32 = 0;
export let pSeq: u32 = 0;
export let pTs: u32 = 0;

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
export function decodeRtp(f: u32, capLen: u32, linkType: u32): bool {
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

