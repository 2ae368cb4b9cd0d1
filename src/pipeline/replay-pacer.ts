/**
 * Replay pacing: feed a capture through the pipeline at the pace of its own timestamps (times a
 * speed factor), so dashboards move as if the traffic were live.
 *
 * By default the timestamps are SHIFTED so the first packet is "now" (Prometheus then sees
 * live-looking data); with --loop, each pass continues the timeline where the previous one ended
 * (plus LOOP_GAP_MS), so capture time never goes backwards.
 *
 * `step()` is the per-packet part: numbers only, it rewrites the record's timestamp in place and
 * returns how long to wait; the clock is injected so tests need no real time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { CaptureRecord } from '../capture/record.js';
import { VoipreadyError } from '../errors.js';

/** pause between two passes of --loop, in capture time */
export const LOOP_GAP_MS = 1000;
/** waits shorter than this are skipped (and caught up at the next longer wait) to avoid a timer per packet */
export const MIN_SLEEP_MS = 2;

export interface PacerOptions {
  /** 1 = real time, 10 = ten times faster, Infinity = as fast as possible */
  speed: number;
  /** keep the capture's own timestamps instead of shifting the first packet to now */
  keepTimestamps?: boolean;
  /** wall clock in ms since the epoch (injected for tests) */
  nowMs?: () => number;
}

export class ReplayPacer {
  private readonly speed: number;
  private readonly keep: boolean;
  private readonly now: () => number;
  private started = false;
  private wallStartMs = 0;
  private captureStartMs = 0;
  /** shift applied to capture time to make the first packet "now" (0 with keepTimestamps), whole ms */
  private shiftMs = 0;
  /** added to capture time in later passes of --loop */
  private passOffsetMs = 0;
  private passFirstMs = NaN;
  private lastVirtualMs = 0;

  constructor(opts: PacerOptions) {
    if (!(opts.speed > 0)) throw new VoipreadyError('E_USAGE', `--speed must be above zero (got ${opts.speed})`);
    this.speed = opts.speed;
    this.keep = opts.keepTimestamps === true;
    this.now = opts.nowMs ?? Date.now;
  }

  /** call before each pass after the first (--loop): the next pass starts after this one ended */
  newPass(): void {
    this.passFirstMs = NaN;
  }

  /** rewrites rec.tsSec/tsNsec (unless keepTimestamps) and returns the ms to wait before pushing it */
  step(rec: CaptureRecord): number {
    const capMs = rec.tsSec * 1000 + rec.tsNsec / 1e6;
    if (!this.started) {
      this.started = true;
      this.wallStartMs = this.now();
      this.captureStartMs = capMs;
      this.shiftMs = this.keep ? 0 : Math.round(this.wallStartMs - capMs);
    }
    if (Number.isNaN(this.passFirstMs)) {
      // a new pass continues the virtual timeline after the previous one
      if (this.lastVirtualMs > 0) this.passOffsetMs = this.lastVirtualMs + LOOP_GAP_MS - capMs;
      this.passFirstMs = capMs;
    }
    const virtualMs = capMs + this.passOffsetMs;
    this.lastVirtualMs = Math.max(this.lastVirtualMs, virtualMs);
    const offsetMs = this.shiftMs + Math.round(this.passOffsetMs);
    if (offsetMs !== 0) shiftTimestamp(rec, offsetMs);
    if (this.speed === Infinity) return 0;
    const dueWallMs = this.wallStartMs + (virtualMs - this.captureStartMs) / this.speed;
    return Math.max(0, dueWallMs - this.now());
  }
}

/** adds whole milliseconds to a (sec, nsec) timestamp, keeping 0 <= nsec < 1e9 */
export function shiftTimestamp(rec: { tsSec: number; tsNsec: number }, offsetMs: number): void {
  const secs = Math.floor(offsetMs / 1000);
  let nsec = rec.tsNsec + (offsetMs - secs * 1000) * 1e6;
  let sec = rec.tsSec + secs;
  if (nsec >= 1e9) {
    nsec -= 1e9;
    sec += 1;
  }
  rec.tsSec = sec;
  rec.tsNsec = nsec;
}

/** "1", "10", "0.5", "max" -> factor (max = Infinity) */
export function parseSpeed(text: string): number {
  if (text.trim().toLowerCase() === 'max') return Infinity;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new VoipreadyError('E_USAGE', `--speed "${text}" must be a number above zero or "max"`);
  return n;
}

/**
 * Pushes records paced by the pacer. Returns false when aborted. Waits are skipped below
 * MIN_SLEEP_MS; the schedule is absolute, so skipped time is caught up, not lost.
 */
/** how long replay may run without giving the event loop a turn (HTTP server, remote_write, signals) */
const YIELD_EVERY_MS = 50;

export async function paceRecords(
  records: AsyncIterable<CaptureRecord>,
  pacer: ReplayPacer,
  push: (rec: CaptureRecord) => void,
  signal?: AbortSignal,
): Promise<boolean> {
  let lastYield = performance.now();
  for await (const rec of records) {
    if (signal?.aborted === true) return false;
    const waitMs = pacer.step(rec);
    if (waitMs >= MIN_SLEEP_MS) {
      try {
        await sleep(waitMs, undefined, signal === undefined ? {} : { signal });
      } catch {
        return false; // aborted while waiting: the caller stops cleanly
      }
      lastYield = performance.now();
    } else if (performance.now() - lastYield > YIELD_EVERY_MS) {
      // at --speed max nothing sleeps: let scrapes, pushes and signals run now and then
      await new Promise<void>((r) => setImmediate(r));
      lastYield = performance.now();
    }
    push(rec);
  }
  return signal?.aborted !== true;
}
