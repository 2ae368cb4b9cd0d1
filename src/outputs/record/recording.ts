/**
 * `--record` at a command's edge: opens the recorder for a RecordConfig and plugs it into the
 * pipeline's entries, never its insides. Datagrams: every Datagram given to the analyzer's datagram
 * entry is recorded as it is pushed (a tap on pushDatagram). Frames: a record listener wrapper for
 * the capture readers, and a wrapper of the fast path's run taker (which takes runs of records past
 * the listener).
 */
import { statSync } from 'node:fs';
import type { ReadOptions } from '../../capture/file-source.js';
import type { CaptureRecord, RecordListener } from '../../capture/record.js';
import type { RecordConfig } from '../../config/options/record.js';
import type { Datagram } from '../../pipeline/datagram.js';
import { PcapngRecorder, type RecorderStats } from './recorder.js';
import { RelayCopies, type RelayCopiesOptions } from './relay-copies.js';
import { RecordingRunTaker } from './run-recorder.js';
import { targetOf } from './rotation.js';

export interface DatagramEntry {
  pushDatagram(d: Datagram): boolean;
}

export class Recording {
  readonly recorder: PcapngRecorder;

  constructor(readonly config: RecordConfig, private readonly log: (message: string) => void, now?: () => number) {
    const rotating = config.maxBytes !== null || config.maxAgeMs !== null;
    const target = targetOf(config.path, isDirectory(config.path), rotating);
    this.recorder = new PcapngRecorder({
      target,
      policy: { maxBytes: config.maxBytes, maxAgeMs: config.maxAgeMs, keep: config.keep },
      onError: (m) => log(m),
      ...(now ? { now } : {}),
    });
  }

  /** record every datagram pushed into `entry` from now on (before the analyzer reads it) */
  tapDatagrams(entry: DatagramEntry): void {
    const push = entry.pushDatagram.bind(entry);
    const rec = this.recorder;
    entry.pushDatagram = (d: Datagram): boolean => {
      rec.datagram(d);
      return push(d);
    };
  }

  /** the listener `onRecord` with every frame recorded first; `name(interfaceId)` names its capture interface */
  frames(onRecord: RecordListener, name: (interfaceId: number) => string): RecordListener {
    const rec = this.recorder;
    return (r: CaptureRecord): void => {
      const data = r.buf !== undefined && r.dataOffset !== undefined ? r.buf.subarray(r.dataOffset, r.dataOffset + r.capLen) : r.data;
      rec.frame(r.linkType, name(r.interfaceId), r.tsSec, r.tsNsec, data, r.origLen);
      onRecord(r);
    };
  }

  /**
   * a reader's options while recording: the fast path's run taker, if any, records the runs it takes
   * (run-recorder.ts) so that every frame is recorded, whichever way it is analysed
   */
  static readOptions(opts: ReadOptions, recording: Recording | null, name: (interfaceId: number) => string): ReadOptions {
    if (recording === null || opts.pcapRuns === undefined) return opts;
    return { ...opts, pcapRuns: new RecordingRunTaker(opts.pcapRuns, recording.recorder, name) };
  }

  /** the proxy's forwarded copies (see relay-copies.ts), written to this recording */
  relayCopies(opts: Omit<RelayCopiesOptions, 'sink'>): RelayCopies {
    return new RelayCopies({ ...opts, sink: (d) => this.recorder.datagram(d) });
  }

  get stats(): RecorderStats {
    return this.recorder.stats;
  }

  /** flush and close; logs what was recorded */
  async close(): Promise<void> {
    await this.recorder.close();
    const s = this.recorder.stats;
    this.log(`--record ${this.config.path}: ${s.records} packets in ${s.files} file${s.files === 1 ? '' : 's'}${s.dropped > 0 ? `, ${s.dropped} dropped (disk too slow or failing)` : ''}`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
