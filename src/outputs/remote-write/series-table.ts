/**
 * Interns label sets: every queued sample is (series id, value) in typed arrays, and the label
 * strings live once here, so a long outage costs 12 bytes per sample instead of a label copy each.
 */
import type { Label } from './proto.js';

export class SeriesTable {
  private readonly ids = new Map<string, number>();
  private readonly labelSets: Label[][] = [];
  /** fast path, per series name: the labels objects that metrics keep from second to second -> id */
  private byObject = new Map<string, WeakMap<object, number>>();
  /** labels objects made afresh at each read: name + labels in the metric's own order -> id */
  private byRaw = new Map<string, number>();

  /** the ids of the labels objects seen under one series name (one lookup per metric, then one per series) */
  objectIds(name: string): WeakMap<object, number> {
    let m = this.byObject.get(name);
    if (m === undefined) {
      m = new WeakMap();
      this.byObject.set(name, m);
    }
    return m;
  }

  /** id of a series seen before under this raw key, or undefined */
  rawId(key: string): number | undefined {
    return this.byRaw.get(key);
  }

  rememberRaw(key: string, id: number): void {
    this.byRaw.set(key, id);
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
    this.byObject = new Map();
    this.byRaw.clear();
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
