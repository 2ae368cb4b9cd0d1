/**
 * An allocation-free hash from up to three numeric keys (endpoint keys addrKey * 65536 + port,
 * SSRCs: exact integers below 2^53) to a small integer (an index into the caller's own array).
 *
 * Why not Map<number, ...>: endpoint keys are above 2^31, so V8 keeps them as heap numbers and a Map
 * lookup hashes a boxed double; nested Maps (src -> dst -> SSRC) cost three of those per packet.
 * Here keys and values sit side by side in one Float64Array, the hash mixes the keys' two 32-bit
 * halves with Math.imul, and collisions probe linearly (load <= 1/2, backward-shift deletion: no
 * tombstones).
 */
/** 2^-32: multiplying by it is exact (a power of two) and cheaper than dividing by 2^32 */
const INV_TWO32 = 1 / 4294967296;
const EMPTY = -1;

export class EndpointTable {
  /**
   * Scratch key for the hot path: write key[0..2], then find() / insert(). Numbers above 2^30 passed
   * as arguments to a call V8 does not inline are boxed (a heap allocation each); typed-array
   * slots are not.
   */
  readonly key = new Float64Array(3);
  /**
   * Slot i is cells[4i..4i+4): the three keys and the value (EMPTY when free), side by side so that
   * a probe touches one cache line, not four.
   */
  private cells: Float64Array;
  private mask: number;
  private count = 0;

  constructor(initialSlots = 256) {
    let n = 16;
    while (n < initialSlots) n *= 2;
    this.cells = new Float64Array(n * 4);
    for (let i = 3; i < this.cells.length; i += 4) this.cells[i] = EMPTY;
    this.mask = n - 1;
  }

  /** entries held */
  get size(): number {
    return this.count;
  }

  /** the value stored for the scratch key, or -1 */
  find(): number {
    const k = this.key;
    const a = k[0]!;
    const b = k[1]!;
    const c = k[2]!;
    const mask = this.mask;
    const cells = this.cells;
    let i = hash3(a, b, c) & mask;
    for (;;) {
      const at = i * 4;
      const v = cells[at + 3]!;
      if (v === EMPTY) return EMPTY;
      if (cells[at] === a && cells[at + 1] === b && cells[at + 2] === c) return v;
      i = (i + 1) & mask;
    }
  }

  /** store value (>= 0) for the scratch key, replacing any value there */
  insert(value: number): void {
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const k = this.key;
    this.put(k[0]!, k[1]!, k[2]!, value);
  }

  /** the value stored for (a, b, c), or -1 */
  get(a: number, b: number, c: number): number {
    this.setKey(a, b, c);
    return this.find();
  }

  /** store value (>= 0) for (a, b, c), replacing any value there */
  set(a: number, b: number, c: number, value: number): void {
    this.setKey(a, b, c);
    this.insert(value);
  }

  /** remove (a, b, c); true when it was there */
  delete(a: number, b: number, c: number): boolean {
    const mask = this.mask;
    const cells = this.cells;
    let i = hash3(a, b, c) & mask;
    for (;;) {
      const at = i * 4;
      if (cells[at + 3] === EMPTY) return false;
      if (cells[at] === a && cells[at + 1] === b && cells[at + 2] === c) break;
      i = (i + 1) & mask;
    }
    // backward-shift deletion: move later members of the probe run into the hole
    let hole = i;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const at = j * 4;
      if (cells[at + 3] === EMPTY) break;
      const home = hash3(cells[at]!, cells[at + 1]!, cells[at + 2]!) & mask;
      // j may move to the hole when its home is not cyclically within (hole, j]
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!inRange) {
        cells.copyWithin(hole * 4, at, at + 4);
        hole = j;
      }
    }
    cells[hole * 4 + 3] = EMPTY;
    this.count--;
    return true;
  }

  private setKey(a: number, b: number, c: number): void {
    const k = this.key;
    k[0] = a;
    k[1] = b;
    k[2] = c;
  }

  private put(a: number, b: number, c: number, value: number): void {
    const mask = this.mask;
    const cells = this.cells;
    let i = hash3(a, b, c) & mask;
    for (;;) {
      const at = i * 4;
      if (cells[at + 3] === EMPTY) break;
      if (cells[at] === a && cells[at + 1] === b && cells[at + 2] === c) {
        cells[at + 3] = value;
        return;
      }
      i = (i + 1) & mask;
    }
    const at = i * 4;
    cells[at] = a;
    cells[at + 1] = b;
    cells[at + 2] = c;
    cells[at + 3] = value;
    this.count++;
  }

  private grow(): void {
    const old = this.cells;
    const n = (this.mask + 1) * 2;
    this.cells = new Float64Array(n * 4);
    for (let i = 3; i < this.cells.length; i += 4) this.cells[i] = EMPTY;
    this.mask = n - 1;
    this.count = 0;
    for (let at = 0; at < old.length; at += 4) {
      if (old[at + 3] !== EMPTY) this.put(old[at]!, old[at + 1]!, old[at + 2]!, old[at + 3]!);
    }
  }
}

/** mix the low and high 32-bit halves of each key (murmur3-style multipliers and finaliser) */
function hash3(a: number, b: number, c: number): number {
  let h = Math.imul((a >>> 0) ^ 0x2545f491, 0xcc9e2d51);
  h = Math.imul(h ^ ((a * INV_TWO32) | 0), 0x1b873593);
  h = Math.imul(h ^ (b >>> 0), 0xcc9e2d51);
  h = Math.imul(h ^ ((b * INV_TWO32) | 0), 0x1b873593);
  h = Math.imul(h ^ (c >>> 0), 0xcc9e2d51);
  h = Math.imul(h ^ ((c * INV_TWO32) | 0), 0x1b873593);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}
