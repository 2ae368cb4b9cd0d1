/**
 * Interns label sets: every queued sample is (series id, value) in typed arrays, and the label
 * strings live once here, so a long outage costs 12 bytes per sample instead of a label copy each.
 */
import type { Label } from './proto.js';

export class SeriesTable {
  private readonly ids = new Map<string, number>();
  private readonly labelSets: Label[][] = [];
  /** fast path: label objects that metrics keep from second to second -> id, per metric name */
  private byObject = new WeakMap<object, Map<string, number>>();

  /** id remembered for (a metric's own labels object, metric name), or undefined */
  cached(labels: object, name: string): number | undefined {
    return this.byObject.get(labels)?.get(name);
  }

  remember(labels: object, name: string, id: number): void {
    let m = this.byObject.get(labels);
    if (m === undefined) {
      m = new Map();
      this.byObject.set(labels, m);
    }
    m.set(name, id);
  }

  /** id of a sorted, unique label set (created on first sight) */
  intern(labels: Label[]): number {
    const key = labelKey(labels);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.labelSets.length;
      this.labelSets.push(labels);
      this.ids.set(key, id);
    }
    return id;
  }

  labels(id: number): Label[] {
    const l = this.labelSets[id];
    if (l === undefined) throw new RangeError(`unknown series id ${id}`);
    return l;
  }

  get size(): number {
    return this.labelSets.length;
  }

  /** forget every series (only when nothing queued refers to them any more) */
  clear(): void {
    this.ids.clear();
    this.labelSets.length = 0;
    this.byObject = new WeakMap();
  }
}

/** \u0000 and \u0001 cannot occur in valid label names and are vanishingly rare in values */
function labelKey(labels: Label[]): string {
  let key = '';
  for (const l of labels) key += `${l.name}\u0000${l.value}\u0001`;
  return key;
}

/** sort by name and keep the first of duplicate names (the spec wants sorted, unique names) */
export function normaliseLabels(labels: Label[]): Label[] {
  const sorted = [...labels].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sorted.filter((l, i) => i === 0 || sorted[i - 1]?.name !== l.name);
}
