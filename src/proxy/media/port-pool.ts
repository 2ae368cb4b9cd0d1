/**
 * The relay's port range as pairs: an even RTP port and the odd RTCP port above it (RFC 3550 11),
 * kept as a pair even with rtcp-mux so that a re-INVITE dropping mux still has its RTCP port. Pairs
 * are handed out round-robin rather than lowest-first: a port freed by a call that just ended is
 * not handed to the next call at once, so late packets of the old call do not land in the new one.
 */
export class PortPool {
  private readonly free: number[] = [];
  private readonly used = new Set<number>();
  readonly total: number;

  constructor(portMin: number, portMax: number) {
    const first = portMin % 2 === 0 ? portMin : portMin + 1;
    for (let p = first; p + 1 <= portMax; p += 2) this.free.push(p);
    this.total = this.free.length;
  }

  /** the next free RTP port (RTCP is +1), or null when the range is used up */
  take(): number | null {
    const p = this.free.shift();
    if (p === undefined) return null;
    this.used.add(p);
    return p;
  }

  /** a pair that could not be bound (someone else holds it): tried again last */
  skip(port: number): void {
    this.give(port);
  }

  give(port: number): void {
    if (!this.used.delete(port)) return;
    this.free.push(port);
  }

  get inUse(): number {
    return this.used.size;
  }
}
