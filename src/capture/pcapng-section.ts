/**
 * pcapng block decoding (draft-ietf-opsawg-pcapng): the state of the current section (byte order,
 * interfaces with their link type, snap length and timestamp resolution) and the decode of one
 * complete block in place. Packet blocks leave their fields on this object (numbers only) for the
 * parser to copy into its reused CaptureRecord; no allocation per packet.
 *
 * Every announced length is checked: block total length (>= 12, multiple of 4, trailer copy
 * equal), captured length within the block, interface id known, option lengths within the block.
 */
import { TsResolution } from './timestamp.js';
import type { PcapngInterfaces } from './record.js';

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 0x00000001;
const BT_OPB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;
const BOM = 0x1a2b3c4d;
const BOM_SWAPPED = 0x4d3c2b1a;
const OPT_IF_TSRESOL = 9;
/** same limit as the classic pcap reader: larger is a corrupt length field */
const MAX_BLOCK_BYTES = 256 * 1024 * 1024 + 64;

interface Iface {
  linkType: number;
  snapLen: number;
  /** the if_tsresol byte (6 when absent) */
  tsresol: number;
  ts: TsResolution;
}

/** parseBlock() answers */
export const BLOCK_OTHER = 0;
export const BLOCK_PACKET = 1;
export const BLOCK_ERROR = -1;
/** an error inside a packet block: the message names the packet number */
export const BLOCK_PACKET_ERROR = -2;

export class PcapngSection implements PcapngInterfaces {
  le = true;
  private ifaces: Iface[] = [];
  /** changes whenever the interfaces (or the byte order) change: a new section or a new IDB */
  version = 0;
  errorMessage = '';
  /** offset of the bad field relative to the block start */
  errorOffset = 0;
  // fields of the last packet block
  linkType = 0;
  interfaceId = 0;
  snapLen = 0;
  tsSec = 0;
  tsNsec = 0;
  capLen = 0;
  origLen = 0;
  dataStart = 0;

  /**
   * Total length of the block at buf[off..off+avail): > 0 the length, -8/-12 the bytes needed to
   * know it, 0 when the length is impossible (errorMessage set).
   */
  blockLength(buf: Buffer, off: number, avail: number): number {
    if (avail < 8) {
      return -8;
    }
    let le = this.le;
    if (buf.readUInt32LE(off) === BT_SHB) {
      if (avail < 12) {
        return -12;
      }
      const bom = buf.readUInt32LE(off + 8);
      if (bom !== BOM && bom !== BOM_SWAPPED) {
        return this.err(`section header byte-order magic 0x${bom.toString(16)} is neither 1a2b3c4d nor 4d3c2b1a`, 8);
      }
      le = bom === BOM;
    }
    const len = le ? buf.readUInt32LE(off + 4) : buf.readUInt32BE(off + 4);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK_BYTES) {
      return this.err(`block total length ${len} is not a multiple of 4 in 12..${MAX_BLOCK_BYTES}`, 4);
    }
    return len;
  }

  /** decode the complete block buf[off..off+len): BLOCK_PACKET, BLOCK_OTHER or an error */
  parseBlock(buf: Buffer, off: number, len: number): number {
    const type = this.u32(buf, off);
    if (type === BT_SHB) {
      return this.parseShb(buf, off, len);
    }
    if (this.u32(buf, off + len - 4) !== len) {
      this.err(`block trailer length ${this.u32(buf, off + len - 4)} differs from header length ${len}`, len - 4);
      return BLOCK_ERROR;
    }
    switch (type) {
      case BT_IDB:
        return this.parseIdb(buf, off, len);
      case BT_EPB:
        return this.parseEpb(buf, off, len);
      case BT_SPB:
        return this.parseSpb(buf, off, len);
      case BT_OPB:
        return this.parseOpb(buf, off, len);
      default:
        // NRB, ISB, DSB, custom and unknown blocks: skipped by their (checked) length
        return BLOCK_OTHER;
    }
  }

  private parseShb(buf: Buffer, off: number, len: number): number {
    if (len < 28) {
      this.err(`section header block length ${len} < 28`, 4);
      return BLOCK_ERROR;
    }
    // a new section may change the byte order and forgets the previous section's interfaces
    this.le = buf.readUInt32LE(off + 8) === BOM;
    this.ifaces = [];
    this.version++;
    if (this.u32(buf, off + len - 4) !== len) {
      this.err(`block trailer length ${this.u32(buf, off + len - 4)} differs from header length ${len}`, len - 4);
      return BLOCK_ERROR;
    }
    return BLOCK_OTHER;
  }

  private parseIdb(buf: Buffer, off: number, len: number): number {
    if (len < 20) {
      this.err(`interface description block length ${len} < 20`, 4);
      return BLOCK_ERROR;
    }
    const linkType = this.u16(buf, off + 8);
    const snapLen = this.u32(buf, off + 12);
    let tsresol = 6;
    // options: code u16, length u16, value padded to 4 bytes; opt_endofopt (0) ends the list
    let p = off + 16;
    const end = off + len - 4;
    while (p + 4 <= end) {
      const code = this.u16(buf, p);
      const olen = this.u16(buf, p + 2);
      if (code === 0) {
        break;
      }
      if (p + 4 + olen > end) {
        this.err(`interface option ${code} length ${olen} runs past the block`, p + 2 - off);
        return BLOCK_ERROR;
      }
      if (code === OPT_IF_TSRESOL && olen >= 1) {
        tsresol = buf[p + 4] ?? 6;
      }
      p += 4 + ((olen + 3) & ~3);
    }
    if ((tsresol & 0x7f) > 63) {
      this.err(`if_tsresol ${tsresol} out of range`, p - off);
      return BLOCK_ERROR;
    }
    this.ifaces.push({ linkType, snapLen, tsresol, ts: new TsResolution(tsresol) });
    this.version++;
    return BLOCK_OTHER;
  }

  /** Enhanced Packet Block: iface u32, ts high u32, ts low u32, caplen u32, origlen u32, data */
  private parseEpb(buf: Buffer, off: number, len: number): number {
    if (len < 32) {
      this.err(`enhanced packet block length ${len} < 32`, 4);
      return BLOCK_PACKET_ERROR;
    }
    return this.packet(buf, off, len, this.u32(buf, off + 8), off + 12, off + 20, 28);
  }

  /** obsolete Packet Block: iface u16, drops u16, ts high, ts low, caplen, origlen, data */
  private parseOpb(buf: Buffer, off: number, len: number): number {
    if (len < 32) {
      this.err(`packet block length ${len} < 32`, 4);
      return BLOCK_PACKET_ERROR;
    }
    return this.packet(buf, off, len, this.u16(buf, off + 8), off + 12, off + 20, 28);
  }

  /** Simple Packet Block: origlen u32, data (interface 0; caplen = min(origlen, snaplen, room)) */
  private parseSpb(buf: Buffer, off: number, len: number): number {
    if (len < 16) {
      this.err(`simple packet block length ${len} < 16`, 4);
      return BLOCK_PACKET_ERROR;
    }
    const iface = this.ifaces[0];
    if (iface === undefined) {
      this.err('simple packet block before any interface description block', 0);
      return BLOCK_PACKET_ERROR;
    }
    const origLen = this.u32(buf, off + 8);
    let capLen = Math.min(origLen, len - 16);
    if (iface.snapLen > 0 && capLen > iface.snapLen) {
      capLen = iface.snapLen;
    }
    this.setIface(0, iface);
    // SPBs carry no timestamp
    this.tsSec = 0;
    this.tsNsec = 0;
    this.origLen = origLen;
    this.capLen = capLen;
    this.dataStart = off + 12;
    return BLOCK_PACKET;
  }

  private packet(buf: Buffer, off: number, len: number, ifId: number, tsAt: number, lenAt: number, dataRel: number): number {
    const iface = this.ifaces[ifId];
    if (iface === undefined) {
      this.err(`packet names interface ${ifId}, but the section has ${this.ifaces.length}`, 8);
      return BLOCK_PACKET_ERROR;
    }
    const capLen = this.u32(buf, lenAt);
    if (capLen > len - dataRel - 4) {
      this.err(`captured length ${capLen} exceeds the ${len - dataRel - 4} bytes left in the block`, lenAt - off);
      return BLOCK_PACKET_ERROR;
    }
    this.setIface(ifId, iface);
    iface.ts.convert(this.u32(buf, tsAt), this.u32(buf, tsAt + 4));
    this.tsSec = iface.ts.sec;
    this.tsNsec = iface.ts.nsec;
    this.capLen = capLen;
    this.origLen = this.u32(buf, lenAt + 4);
    this.dataStart = off + dataRel;
    return BLOCK_PACKET;
  }

  get count(): number {
    return this.ifaces.length;
  }

  describe(i: number): { linkType: number; snapLen: number; tsresol: number } {
    const f = this.ifaces[i]!;
    return { linkType: f.linkType, snapLen: f.snapLen, tsresol: f.tsresol };
  }

  private setIface(id: number, iface: Iface): void {
    this.interfaceId = id;
    this.linkType = iface.linkType;
    this.snapLen = iface.snapLen;
  }

  private u32(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  private u16(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }

  private err(message: string, relOffset: number): 0 {
    this.errorMessage = message;
    this.errorOffset = relOffset;
    return 0;
  }
}
