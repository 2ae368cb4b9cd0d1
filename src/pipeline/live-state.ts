/**
 * The LiveView listeners read while packets flow: the streams and calls held, which are active
 * (a packet within staleSeconds of the analysis clock), verdict counts over the whole run, and the
 * report as it stands.
 */
import type { AnalysisReport, UndecodedTraffic } from '../model/report.js';
import type { AnalysisSettings } from '../config/settings.js';
import type { LiveCall, LiveStream, LiveView, VerdictCounts } from './events.js';

export interface LiveSources {
  liveStreams(): LiveStream[];
  liveCalls(): LiveCall[];
}

export class LiveState implements LiveView {
  profile: string;
  readonly thresholds: AnalysisSettings['thresholds'];
  private staleMs: number;
  /** streams that got their 'end' (went stale) and have not come back */
  private readonly endedIds = new Set<string>();

  constructor(
    settings: AnalysisSettings,
    private readonly media: Pick<LiveSources, 'liveStreams'>,
    private readonly signalling: Pick<LiveSources, 'liveCalls'>,
    private readonly reportNow: (fromMs?: number) => AnalysisReport,
    private readonly onStale: (s: LiveStream) => void = () => {},
    /** the analysis clock, ms since the epoch (asked for, not pushed per packet) */
    private readonly clock: () => number = () => 0,
    /** verdicts of the streams already retired */
    private readonly retiredVerdicts: () => VerdictCounts = () => ({ pass: 0, warn: 0, fail: 0 }),
    /** what was seen and not analysed so far */
    private readonly undecodedNow: () => UndecodedTraffic[] = () => [],
  ) {
    this.profile = settings.profile;
    this.thresholds = settings.thresholds;
    this.staleMs = settings.staleSeconds * 1000;
  }

  /** a reloaded configuration (the thresholds object is shared and was updated in place) */
  reconfigure(settings: AnalysisSettings): void {
    this.profile = settings.profile;
    this.staleMs = settings.staleSeconds * 1000;
  }

  undecoded(): UndecodedTraffic[] {
    return this.undecodedNow();
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

  streamVerdicts(): VerdictCounts {
    const n = { ...this.retiredVerdicts() };
    for (const s of this.media.liveStreams()) n[s.verdict]++;
    return n;
  }

  nowEpochMs(): number {
    return this.clock();
  }

  report(): AnalysisReport {
    return this.reportNow();
  }

  reportSince(fromMs: number): AnalysisReport {
    return this.reportNow(fromMs);
  }

  /** called once per second of the analysis clock: streams that just went quiet get an 'end' event */
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

  /** a stream retired: its last 'end' (final figures, s.retired true), and nothing more to remember */
  retired(s: LiveStream): void {
    this.endedIds.delete(s.id);
    this.onStale(s);
  }
}
