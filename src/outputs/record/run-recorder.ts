/**
 * The fast path's run taker with the recorder in front: the capture reader hands runs of records
 * (classic pcap records, pcapng enhanced packet blocks) straight from its chunk to the WebAssembly
 * walker, past the record listener; this wrapper lets the walker take its run, then records the
 * frames of exactly the bytes it took, so recording keeps the fast path.
 *
 * pcap record:  ts sec | ts usec or nsec | captured length | original length | frame ...
 * pcapng EPB:   type 6 | total length | interface | ts high | ts low | captured | original | frame ...
 */
import type { PcapLayout, PcapngInterfaces, PcapRunTaker } from '../../capture/record.js';
import { TsResolution } from '../../capture/timestamp.js';
import type { PcapngRecorder } from './recorder.js';

export class RecordingRunTaker implements PcapRunTaker {
  taken = 0;
  /** per pcapng interface: its timestamp resolution (rebuilt when the section's interfaces change) */
  private resolutions: TsResolution[] = [];
  private version = -1;

  constructor(private readonly inner: PcapRunTaker, private readonly recorder: PcapngRecorder, private readonly name: (interfaceId: number) => string) {}

  take(buf: Buffer, off: number, end: number, layout: PcapLayout, firstNum: number): number {
    const after = this.inner.take(buf, off, end, layout, firstNum);
    this.taken = this.inner.taken;
    const name = this.name(0);
    for (let o = off; o + 16 <= after;) {
      const capLen = u32(buf, o + 8, layout.le);
      this.recorder.frame(layout.linkType, name, u32(buf, o, layout.le), u32(buf, o + 4, layout.le) * layout.nsMul,
        buf.subarray(o + 16, o + 16 + capLen), u32(buf, o + 12, layout.le));
      o += 16 + capLen;
    }
    return after;
  }

  takePcapng(buf: Buffer, off: number, end: number, section: PcapngInterfaces, firstNum: number): number {
    const inner = this.inner.takePcapng;
    if (inner === undefined) return off;
    const after = inner.call(this.inner, buf, off, end, section, firstNum);
    this.taken = this.inner.taken;
    if (section.version !== this.version) {
      this.version = section.version;
      this.resolutions = Array.from({ length: section.count }, (_, i) => new TsResolution(section.describe(i).tsresol));
    }
    const le = section.le;
    for (let o = off; o + 12 <= after;) {
      const total = u32(buf, o + 4, le);
      if (total < 12) break;
      if (u32(buf, o, le) === 6 && total >= 32) {
        const iface = u32(buf, o + 8, le);
        const ts = this.resolutions[iface];
        const d = section.describe(iface);
        if (ts !== undefined) {
          ts.convert(u32(buf, o + 12, le), u32(buf, o + 16, le));
          const capLen = u32(buf, o + 20, le);
          this.recorder.frame(d.linkType, this.name(iface), ts.sec, ts.nsec, buf.subarray(o + 28, o + 28 + capLen), u32(buf, o + 24, le));
        }
      }
      o += total;
    }
    return after;
  }
}

function u32(buf: Buffer, at: number, le: boolean): number {
  return le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
}
