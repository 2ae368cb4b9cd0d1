/**
 * A call answered and never hung up in the capture (no BYE: the capture stopped first, or the BYE went
 * another way) has no end in its signalling: its last SIP message is usually the ACK, and "0.0 s" would
 * be its duration. Its media says how long it lasted: the duration runs to its streams' last packet.
 */
import type { StreamReport } from '../model/report.js';

interface CallTimes {
  state: string;
  durationSeconds: number | null;
  answerTime?: string | null;
  byeSeen?: boolean;
}

export function withMediaEnd<C extends CallTimes>(c: C, own: ReadonlyArray<Pick<StreamReport, 'startTime' | 'durationSeconds' | 'packets'>>): C {
  if (c.state !== 'answered' || c.byeSeen !== false || c.answerTime === null || c.answerTime === undefined) return c;
  const answer = Date.parse(c.answerTime);
  let end = Number.NEGATIVE_INFINITY;
  for (const s of own) if (s.packets > 0) end = Math.max(end, Date.parse(s.startTime) + s.durationSeconds * 1000);
  if (!Number.isFinite(answer) || !Number.isFinite(end)) return c;
  const seconds = Math.round(end - answer) / 1000;
  return seconds > (c.durationSeconds ?? 0) ? { ...c, durationSeconds: seconds } : c;
}
