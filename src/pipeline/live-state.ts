/**
 * The LiveView listeners read while packets flow: all streams and calls so far, which are active
 * (a packet within staleSeconds of capture time), and the report as it stands.
 */
import type { AnalysisReport } from '../model/report.js';
import type { AnalysisSettings } from '../config/settings.js';
import type { LiveCall, LiveStream, LiveView } from './events.js';

export interface LiveSources {
  liveStreams(): LiveStream[];
  liveCalls(): LiveCall[];
}

export class LiveState implements LiveView {
  readonly profile: string;
  readonly thresholds: AnalysisSettings['thresholds'];
  private readonly staleMs: number;

  constructor(
    settings: AnalysisSettings,
    private readonly media: Pick<LiveSources, 'liveStreams'>,
    private readonly signalling: Pick<LiveSources, 'liveCalls'>,
    private readonly reportNow: () => AnalysisReport,
    private readonly onStale: (s: LiveStream) => void = () => {},
    /** capture time of the latest packet, ms since the epoch (asked for, not pushed per packet) */
    private readonly clock: () => number = () => 0,
  ) {
    this.profile = settings.profile;
    this.thresholds = settings.thresholds;
    this.staleMs = settings.staleSeconds * 1000;
  }

  streams(): Iterable<LiveStream> {
    return this.media.liveStreams();
  }

  calls(): Iterable<LiveCall> {
    return this.signalling.liveCalls();
  }

  activeStreams(): LiveStream[] {
    const cutoff = this.clock() - this.staleMs;
    return this.media.liveStreams().filter((s) => s.lastSeenEpochMs >= cutoff);
  }

  activeCalls(): LiveCall[] {
    return this.signalling.liveCalls().filter((c) => c.endEpochMs === null && c.state !== 'rejected' && c.state !== 'cancelled');
  }

  nowEpochMs(): number {
    return this.clock();
  }

  report(): AnalysisReport {
    return this.reportNow();
  }

  private readonly endedIds = new Set<string>();

  /** called once per capture second: streams that just went quiet get an 'end' event */
  expireStale(epochSec: number): void {
    const cutoff = epochSec * 1000 - this.staleMs;
    for (const s of this.media.liveStreams()) {
      if (s.lastSeenEpochMs < cutoff && !this.endedIds.has(s.id)) {
        this.endedIds.add(s.id);
        this.onStale(s);
      } else if (s.lastSeenEpochMs >= cutoff) {
        this.endedIds.delete(s.id);
      }
    }
  }
}
