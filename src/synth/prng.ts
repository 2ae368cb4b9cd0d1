/**
 * A tiny seeded PRNG (mulberry32) so that a scenario and its seed give the same bytes on every
 * machine. Math.random is never used by the generator.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** uniform in [0, 1) */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** uint32 (SSRCs, initial timestamps) */
  u32(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }

  /** standard normal (Box-Muller; the second value is dropped to keep the state simple) */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** a child generator, so one stream's draws do not shift another's */
  fork(): Rng {
    return new Rng(this.u32() ^ 0x9e3779b9);
  }
}
