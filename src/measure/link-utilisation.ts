/**
 * Link utilisation from the capture: bytes of every frame summed per 1 s window of capture time
 * (aligned on whole epoch seconds), as a percentage of a given link speed: the busiest window and the
 * mean over all windows from the first to the last frame. Numbers only per frame.
 */
import type { LinkUtilisation } from '../model/report.js';

export class LinkUtilisationMeter {
  private currentSec = -1;
  private currentBytes = 0;
  private firstSec = -1;
  private totalBytes = 0;
  private peakBytes = 0;
  private peakAt = 0;

  constructor(readonly linkSpeedBitsPerSecond: number) {}

  /** one frame: capture time (whole epoch seconds) and its length on the wire in bytes */
  push(tsSec: number, frameLen: number): void {
    if (tsSec !== this.currentSec) {
      this.closeWindow();
      this.currentSec = tsSec;
      if (this.firstSec < 0) this.firstSec = tsSec;
    }
    this.currentBytes += frameLen;
    this.totalBytes += frameLen;
  }

  toJSON(): Omit<LinkUtilisation, 'verdict'> {
    const openPeak = this.currentBytes > this.peakBytes;
    const peakBytes = openPeak ? this.currentBytes : this.peakBytes;
    const peakAt = openPeak ? this.currentSec : this.peakAt;
    const windows = this.firstSec < 0 ? 0 : this.currentSec - this.firstSec + 1;
    const bps = this.linkSpeedBitsPerSecond;
    return {
      linkSpeedBitsPerSecond: bps,
      peakPercent: bps > 0 ? (peakBytes * 8 * 100) / bps : 0,
      meanPercent: bps > 0 && windows > 0 ? (this.totalBytes * 8 * 100) / bps / windows : 0,
      peakAt,
    };
  }

  private closeWindow(): void {
    if (this.currentBytes > this.peakBytes) {
      this.peakBytes = this.currentBytes;
      this.peakAt = this.currentSec;
    }
    this.currentBytes = 0;
  }
}
