/** Hand-built pcap / pcapng bytes for the capture tests (layouts from the pcap and pcapng specs). */

export interface PcapRec {
  sec: number;
  frac: number;
  data: Buffer;
  origLen?: number;
}

export function pcapFile(recs: PcapRec[], o: { le?: boolean; nsec?: boolean; linkType?: number; snapLen?: number } = {}): Buffer {
  const le = o.le ?? true;
  const parts: Buffer[] = [];
  const h = Buffer.alloc(24);
  const w32 = (b: Buffer, v: number, at: number): void => {
    if (le) {
      b.writeUInt32LE(v >>> 0, at);
    } else {
      b.writeUInt32BE(v >>> 0, at);
    }
  };
  const w16 = (b: Buffer, v: number, at: number): void => {
    if (le) {
      b.writeUInt16LE(v, at);
    } else {
      b.writeUInt16BE(v, at);
    }
  };
  w32(h, o.nsec === true ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(h, 2, 4);
  w16(h, 4, 6);
  w32(h, o.snapLen ?? 65535, 16);
  w32(h, o.linkType ?? 1, 20);
  parts.push(h);
  for (const r of recs) {
    const rh = Buffer.alloc(16);
    w32(rh, r.sec, 0);
    w32(rh, r.frac, 4);
    w32(rh, r.data.length, 8);
    w32(rh, r.origLen ?? r.data.length, 12);
    parts.push(rh, r.data);
  }
  return Buffer.concat(parts);
}

/** pcapng writer with a chosen byte order */
export class NgWriter {
  private readonly parts: Buffer[] = [];
  constructor(private le = true) {}

  private u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) {
      b.writeUInt32LE(v >>> 0);
    } else {
      b.writeUInt32BE(v >>> 0);
    }
    return b;
  }

  private u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) {
      b.writeUInt16LE(v);
    } else {
      b.writeUInt16BE(v);
    }
    return b;
  }

  private pad(b: Buffer): Buffer {
    const p = (4 - (b.length % 4)) % 4;
    return p === 0 ? b : Buffer.concat([b, Buffer.alloc(p)]);
  }

  block(type: number, body: Buffer): this {
    const len = 12 + body.length;
    this.parts.push(this.u32(type), this.u32(len), body, this.u32(len));
    return this;
  }

  shb(le = this.le): this {
    this.le = le;
    const body = Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), Buffer.alloc(8, 0xff)]);
    return this.block(0x0a0d0d0a, body);
  }

  idb(linkType: number, snapLen: number, tsresol?: number): this {
    const opts: Buffer[] = [];
    if (tsresol !== undefined) {
      opts.push(this.u16(9), this.u16(1), Buffer.from([tsresol, 0, 0, 0]));
      opts.push(this.u16(0), this.u16(0));
    }
    return this.block(1, Buffer.concat([this.u16(linkType), this.u16(0), this.u32(snapLen), ...opts]));
  }

  epb(ifId: number, high: number, low: number, data: Buffer, origLen = data.length): this {
    const body = Buffer.concat([this.u32(ifId), this.u32(high), this.u32(low), this.u32(data.length), this.u32(origLen), this.pad(data)]);
    return this.block(6, body);
  }

  opb(ifId: number, high: number, low: number, data: Buffer): this {
    const body = Buffer.concat([this.u16(ifId), this.u16(0), this.u32(high), this.u32(low), this.u32(data.length), this.u32(data.length), this.pad(data)]);
    return this.block(2, body);
  }

  spb(origLen: number, data: Buffer): this {
    return this.block(3, Buffer.concat([this.u32(origLen), this.pad(data)]));
  }

  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }

  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export interface Seen {
  num: number;
  linkType: number;
  interfaceId: number;
  tsSec: number;
  tsNsec: number;
  capLen: number;
  origLen: number;
  hex: string;
  fileOffset: number;
}

export function snapshot(r: {
  num: number;
  linkType: number;
  interfaceId: number;
  tsSec: number;
  tsNsec: number;
  capLen: number;
  origLen: number;
  data: Buffer;
  fileOffset: number;
}): Seen {
  return {
    num: r.num,
    linkType: r.linkType,
    interfaceId: r.interfaceId,
    tsSec: r.tsSec,
    tsNsec: r.tsNsec,
    capLen: r.capLen,
    origLen: r.origLen,
    hex: r.data.toString('hex'),
    fileOffset: r.fileOffset,
  };
}
