/**
 * Counts frames that could not be decoded (malformed, or cut by the snap length) and keeps the
 * first few with their packet numbers as evidence. Bounded whatever the input.
 */
import type { Finding } from '../model/report.js';

const KEEP = 10;

export class DecodeErrorLog {
  count = 0;
  truncated = 0;
  private readonly first: string[] = [];
  private firstPacket = 0;

  add(packet: number, kind: 'malformed' | 'truncated' | string, message: string): void {
    this.count++;
    if (kind === 'truncated') this.truncated++;
    if (this.first.length < KEEP) {
      if (this.first.length === 0) this.firstPacket = packet;
      this.first.push(`packet ${packet}: ${message}`);
    }
  }

  findings(): Finding[] {
    if (this.count === 0) return [];
    const cut = this.truncated > 0 ? ` (${this.truncated} cut short by the snap length)` : '';
    return [{
      severity: 'info', code: 'DECODE_ERRORS', packet: this.firstPacket, measured: this.count,
      message: `${this.count} packet(s) could not be fully decoded${cut}; the rest of the capture is analysed`,
      evidence: this.first,
    }];
  }
}
