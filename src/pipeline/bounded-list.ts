/**
 * The newest `cap` items pushed, oldest first, in amortised O(1) per push (a plain array with a
 * moving head, compacted when the head passes the cap): the report's history of finalised streams
 * and calls.
 */
export class BoundedList<T> {
  private items: T[] = [];
  private head = 0;
  /** items pushed out by newer ones */
  dropped = 0;

  constructor(private readonly cap: number) {}

  /** add an item; answers the one it pushed out, if any */
  push(item: T): T | undefined {
    this.items.push(item);
    if (this.items.length - this.head <= this.cap) return undefined;
    const out = this.items[this.head];
    this.items[this.head] = undefined as T;
    this.head++;
    this.dropped++;
    if (this.head >= Math.max(this.cap, 1024)) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  toArray(): T[] {
    return this.items.slice(this.head);
  }
}
