/**
 * The tunnel headers mirrored traffic arrives in, written (the inverse of src/decode/tunnel/): GRE
 * (RFC 2784/2890, optional key and sequence number), ERSPAN type II and III headers, VXLAN (RFC 7348),
 * an MPLS label stack (RFC 3032) and a PPPoE session header (RFC 2516). Pure: Buffer out, RangeError
 * for a caller's mistake. The generator (src/synth/mirror.ts) and the decoders' tests build with these.
 */

export interface GreOptions {
  key?: number;
  sequence?: number;
  /** write the checksum field (value 0: Wireshark checks it only when asked) */
  checksum?: boolean;
}

export function greHeader(protocolType: number, o: GreOptions = {}): Buffer {
  const parts: number[] = [];
  let flags = 0;
  if (o.checksum === true) {
    flags |= 0x80;
    parts.push(0);
  }
  if (o.key !== undefined) {
    flags |= 0x20;
    parts.push(o.key >>> 0);
  }
  if (o.sequence !== undefined) {
    flags |= 0x10;
    parts.push(o.sequence >>> 0);
  }
  const h = Buffer.alloc(4 + 4 * parts.length);
  h[0] = flags;
  h[1] = 0;
  h.writeUInt16BE(u16(protocolType, 'GRE protocol type'), 2);
  parts.forEach((v, i) => h.writeUInt32BE(v, 4 + 4 * i));
  return h;
}

/** ERSPAN type II header (8 bytes): version 1, session id (10 bits), index (20 bits) */
export function erspan2Header(session: number, index = 0, vlan = 0): Buffer {
  if (session < 0 || session > 0x3ff) throw new RangeError(`ERSPAN session id ${session} is not 10 bits`);
  const h = Buffer.alloc(8);
  h.writeUInt16BE((1 << 12) | (vlan & 0xfff), 0);
  h.writeUInt16BE(session, 2);
  h.writeUInt32BE(index & 0xfffff, 4);
  return h;
}

/** ERSPAN type III header (12 bytes, frame type Ethernet), plus the 8-byte platform subheader when `platform` */
export function erspan3Header(session: number, timestamp: number, platform = false): Buffer {
  if (session < 0 || session > 0x3ff) throw new RangeError(`ERSPAN session id ${session} is not 10 bits`);
  const h = Buffer.alloc(platform ? 20 : 12);
  h.writeUInt16BE(2 << 12, 0);
  h.writeUInt16BE(session, 2);
  h.writeUInt32BE(timestamp >>> 0, 4);
  h[11] = platform ? 1 : 0;
  return h;
}

export function vxlanHeader(vni: number): Buffer {
  if (vni < 0 || vni > 0xffffff) throw new RangeError(`VXLAN VNI ${vni} is not 24 bits`);
  const h = Buffer.alloc(8);
  h[0] = 0x08;
  h.writeUInt32BE((vni << 8) >>> 0, 4);
  return h;
}

/** labels outermost first; the last gets the bottom-of-stack bit */
export function mplsStack(labels: number[], ttl = 64): Buffer {
  if (labels.length === 0) throw new RangeError('an MPLS stack needs a label');
  const h = Buffer.alloc(4 * labels.length);
  labels.forEach((l, i) => {
    if (l < 0 || l > 0xfffff) throw new RangeError(`MPLS label ${l} is not 20 bits`);
    h.writeUInt32BE(((l << 12) | (i === labels.length - 1 ? 0x100 : 0) | (ttl & 0xff)) >>> 0, 4 * i);
  });
  return h;
}

/** PPPoE session header and the PPP protocol field, for a PPP payload of payloadLength bytes */
export function pppoeSessionHeader(session: number, pppProtocol: number, payloadLength: number): Buffer {
  const h = Buffer.alloc(8);
  h[0] = 0x11;
  h[1] = 0;
  h.writeUInt16BE(u16(session, 'PPPoE session id'), 2);
  h.writeUInt16BE(u16(payloadLength + 2, 'PPPoE length'), 4);
  h.writeUInt16BE(u16(pppProtocol, 'PPP protocol'), 6);
  return h;
}

function u16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`${what} ${v} is not 16 bits`);
  return v;
}
