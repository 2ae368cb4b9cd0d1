/**
 * Marks the streams measured while the live capture dropped packets: a listener on the bus that the
 * capture edge tells each time the tool's counts come in (tcpdump every few seconds). When the drops
 * of an interface grew since the previous count, every stream held that had a packet since then (the
 * drops happened in that interval) gets a CAPTURE_DROPPED_STREAM finding: its loss figure may include
 * packets the capture missed, not the network. Once per stream (a stream already marked is not marked
 * again); the marks are forgotten when a stream retires, so the set stays as bounded as the stream table.
 * At most `limit` streams per run get a finding (the bus keeps 1,000 raised findings in full, shared by
 * every detector: a drop with thousands of streams up must not crowd the others out); the streams
 * beyond it are counted, and the run's CAPTURE_DROPPED says how many.
 */
import type { Finding } from '../model/report.js';
import type { AnalysisListener, ListenerContext, LiveStream } from '../pipeline/events.js';

export interface DropCount {
  /** the --interface value */
  interface: string;
  /** kernel (and tool) drops plus interface drops, cumulative */
  dropped: number;
}

/** stream findings per run, by default */
export const DEFAULT_MARK_LIMIT = 256;

export class CaptureDropMarker implements AnalysisListener {
  private ctx: ListenerContext | null = null;
  /** streams that got a CAPTURE_DROPPED_STREAM finding, and those measured while dropping beyond the limit */
  readonly streams = { marked: 0, unlisted: 0 };
  private readonly marked = new Set<string>();
  /** per interface: its drops at the previous count, and the analysis clock then */
  private readonly previous = new Map<string, { dropped: number; atMs: number }>();

  constructor(private readonly limit = DEFAULT_MARK_LIMIT) {}

  onAttach(ctx: ListenerContext): void {
    this.ctx = ctx;
  }

  onStream(stream: LiveStream, event: 'start' | 'end'): void {
    if (event === 'end' && stream.retired === true) this.marked.delete(stream.id);
  }

  /** the capture's counts as they come in; returns how many streams were found measured while it dropped */
  counted(d: DropCount): number {
    const ctx = this.ctx;
    if (ctx === null) return 0;
    const now = ctx.view.nowEpochMs();
    const before = this.previous.get(d.interface) ?? { dropped: 0, atMs: Number.NEGATIVE_INFINITY };
    this.previous.set(d.interface, { dropped: d.dropped, atMs: now });
    const grew = d.dropped - before.dropped;
    if (grew <= 0) return 0;
    let n = 0;
    for (const s of ctx.view.streams()) {
      if (s.retired === true || this.marked.has(s.id) || s.lastSeenEpochMs < before.atMs) continue;
      this.marked.add(s.id);
      n++;
      if (this.streams.marked < this.limit) {
        this.streams.marked++;
        ctx.raise(streamFinding(s, d.interface, grew));
      } else this.streams.unlisted++;
    }
    return n;
  }
}

function streamFinding(s: LiveStream, iface: string, grew: number): Finding {
  return {
    severity: 'warn',
    code: 'CAPTURE_DROPPED_STREAM',
    message: `the capture on ${iface} dropped ${grew} packets while stream ${s.src} -> ${s.dst} (SSRC 0x${s.ssrc.toString(16).padStart(8, '0')}) was measured: its loss figure may include packets the capture missed`,
    streamId: s.id,
    ...(s.callId !== null ? { callId: s.callId } : {}),
    measured: grew,
    unit: 'packets',
  };
}
