/**
 * One captured frame as a capture reader hands it on. Readers fill and reuse one object per
 * record (no allocation per packet); `data` is a view into the reader's chunk buffer and is valid
 * only during the callback: copy what must outlive it.
 */
export interface CaptureRecord {
  /** 1-based record number in the file (Wireshark's frame.number) */
  num: number;
  /** LINKTYPE_* of the interface the frame was captured on */
  linkType: number;
  /** pcapng interface id; 0 for classic pcap */
  interfaceId: number;
  /** capture time: whole seconds since the epoch ... */
  tsSec: number;
  /** ... and nanoseconds within that second (exact, whatever the file's resolution) */
  tsNsec: number;
  /** bytes present in the file (may be less than origLen when the snap length cut the frame) */
  capLen: number;
  /** length of the frame on the wire */
  origLen: number;
  /**
   * the frame bytes: data[0..capLen). The file and stream readers make this view lazily, on first
   * access: the hot path reads buf[dataOffset..dataOffset+capLen) instead and allocates nothing.
   */
  data: Buffer;
  /**
   * when set, the frame bytes are also buf[dataOffset..dataOffset+capLen): the reader's chunk (or
   * carry) buffer itself, valid only during the callback. Records made by hand may leave it unset.
   */
  buf?: Buffer | undefined;
  dataOffset?: number | undefined;
  /** byte offset of the record (or block) header in the file, for error messages */
  fileOffset: number;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * The record the readers fill and reuse: the frame stays in the chunk as (buf, dataOffset, capLen)
 * and `data`, the Buffer view, is made only when someone asks for it (one allocation per record
 * saved on the hot path, where the analyzer reads buf directly).
 */
export class ChunkRecord implements CaptureRecord {
  num = 0;
  linkType = 0;
  interfaceId = 0;
  tsSec = 0;
  tsNsec = 0;
  capLen = 0;
  origLen = 0;
  fileOffset = 0;
  buf: Buffer = NO_BYTES;
  dataOffset = 0;
  private view: Buffer | null = null;

  get data(): Buffer {
    if (this.view === null) this.view = this.buf.subarray(this.dataOffset, this.dataOffset + this.capLen);
    return this.view;
  }

  set data(b: Buffer) {
    this.buf = b;
    this.dataOffset = 0;
    this.view = b;
  }

  /** point the record at new bytes (the next frame) */
  setBytes(buf: Buffer, offset: number): void {
    this.buf = buf;
    this.dataOffset = offset;
    this.view = null;
  }
}

/** an independent copy of a record (its own bytes), e.g. to keep it past the callback */
export function copyRecord(r: CaptureRecord): CaptureRecord {
  return {
    num: r.num, linkType: r.linkType, interfaceId: r.interfaceId, tsSec: r.tsSec, tsNsec: r.tsNsec,
    capLen: r.capLen, origLen: r.origLen, data: Buffer.from(r.data), fileOffset: r.fileOffset,
  };
}

export type RecordListener = (rec: CaptureRecord) => void;

/** How the records of a classic pcap file are laid out (from its file header). */
export interface PcapLayout {
  le: boolean;
  /** 1 for nanosecond timestamps, 1000 for microsecond ones */
  nsMul: number;
  snapLen: number;
  linkType: number;
}

/** The current pcapng section as a run taker sees it: byte order and interfaces (version: changes with them). */
export interface PcapngInterfaces {
  readonly le: boolean;
  readonly version: number;
  readonly count: number;
  /** interface i's link type, snap length and if_tsresol byte */
  describe(i: number): { linkType: number; snapLen: number; tsresol: number };
}

/**
 * A record consumer that can take runs of records straight from the reader's chunk (the WebAssembly
 * fast path) instead of one onRecord call each: classic pcap records (take) and pcapng enhanced packet
 * blocks (takePcapng). Both answer the offset after the records taken (off: none), numbered from
 * firstNum on, and set `taken` to how many.
 */
export interface PcapRunTaker {
  taken: number;
  take(buf: Buffer, off: number, end: number, layout: PcapLayout, firstNum: number): number;
  takePcapng?(buf: Buffer, off: number, end: number, section: PcapngInterfaces, firstNum: number): number;
}

/** What a reader tells at the end of a file: counts and the error that stopped it, if any. */
export interface CaptureSummary {
  file: string;
  /** 'live': a datagram source (no file) */
  format: 'pcap' | 'pcapng' | 'live' | 'unknown';
  records: number;
  bytes: number;
  linkTypes: number[];
  /** set when reading stopped early (truncated file, corrupt block): records before it were delivered */
  error?: import('../errors.js').VoipreadyError;
}
