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
  /** the frame bytes: data[0..capLen) */
  data: Buffer;
  /** byte offset of the record (or block) header in the file, for error messages */
  fileOffset: number;
}

export type RecordListener = (rec: CaptureRecord) => void;

/** What a reader tells at the end of a file: counts and the error that stopped it, if any. */
export interface CaptureSummary {
  file: string;
  format: 'pcap' | 'pcapng' | 'unknown';
  records: number;
  bytes: number;
  linkTypes: number[];
  /** set when reading stopped early (truncated file, corrupt block): records before it were delivered */
  error?: import('../errors.js').VoipreadyError;
}
