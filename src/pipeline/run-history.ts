/**
 * The finalised part of a run: streams and calls that retired (idle past their TTL, or ended plus a
 * grace). The newest keepStreams / keepCalls are listed in the report in full; older ones are only
 * counted, by verdict, so that the run's verdict still covers them and the report says how many it
 * does not list. Bounded whatever the running time.
 */
import type { CallReport, RetentionSummary, StreamReport, Verdict } from '../model/report.js';
import { BoundedList } from './bounded-list.js';
import type { VerdictCounts } from './events.js';

export type StreamFigures = Omit<StreamReport, 'verdict'>;
export type CallFigures = Omit<CallReport, 'verdict' | 'mos'>;

export function noVerdicts(): VerdictCounts {
  return { pass: 0, warn: 0, fail: 0 };
}

export class RunHistory {
  private readonly streams: BoundedList<StreamFigures>;
  private readonly calls: BoundedList<CallFigures>;
  /** the listed (kept) ones by id: the call checks look up a retired call's streams here */
  private readonly streamById = new Map<string, StreamFigures>();
  private readonly callIds = new Set<string>();
  /** every retired stream by its final verdict */
  readonly streamVerdicts = noVerdicts();
  private readonly unlistedStreams = noVerdicts();
  private readonly unlistedCalls = noVerdicts();
  private readonly verdictOfStream = new Map<string, Verdict>();
  private readonly verdictOfCall = new Map<string, Verdict>();
  streamsRetired = 0;
  callsRetired = 0;

  constructor(keepStreams: number, keepCalls: number) {
    this.streams = new BoundedList(Math.max(0, keepStreams));
    this.calls = new BoundedList(Math.max(0, keepCalls));
  }

  addStream(s: StreamFigures, verdict: Verdict): void {
    this.streamsRetired++;
    this.streamVerdicts[verdict]++;
    this.streamById.set(s.id, s);
    this.verdictOfStream.set(s.id, verdict);
    const out = this.streams.push(s);
    if (out !== undefined) {
      this.streamById.delete(out.id);
      this.unlistedStreams[this.verdictOfStream.get(out.id) ?? 'pass']++;
      this.verdictOfStream.delete(out.id);
    }
  }

  addCall(c: CallFigures, verdict: Verdict): void {
    this.callsRetired++;
    this.callIds.add(c.callId);
    this.verdictOfCall.set(c.callId, verdict);
    const out = this.calls.push(c);
    if (out !== undefined) {
      this.callIds.delete(out.callId);
      this.unlistedCalls[this.verdictOfCall.get(out.callId) ?? 'pass']++;
      this.verdictOfCall.delete(out.callId);
    }
  }

  /** a listed retired stream */
  stream(id: string): StreamFigures | undefined {
    return this.streamById.get(id);
  }

  /** the final verdict of a listed retired stream */
  streamVerdict(id: string): Verdict | undefined {
    return this.verdictOfStream.get(id);
  }

  hasStream(id: string): boolean {
    return this.streamById.has(id);
  }

  hasCall(callId: string): boolean {
    return this.callIds.has(callId);
  }

  listedStreams(): StreamFigures[] {
    return this.streams.toArray();
  }

  listedCalls(): CallFigures[] {
    return this.calls.toArray();
  }

  summary(): RetentionSummary {
    return {
      streamsRetired: this.streamsRetired,
      callsRetired: this.callsRetired,
      streamsNotListed: this.streams.dropped,
      callsNotListed: this.calls.dropped,
      notListedStreamVerdicts: { ...this.unlistedStreams },
      notListedCallVerdicts: { ...this.unlistedCalls },
    };
  }
}
