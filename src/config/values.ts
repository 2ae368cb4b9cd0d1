/**
 * Typed readers for config-file values. Each names the key and the file when the value is wrong
 * (E_CONFIG); an absent key is `undefined`, so every section writes its own default next to it.
 */
import { VoipreadyError } from '../errors.js';
import { durationValue, type DurationBounds, type PlainUnit } from './duration.js';

export type ConfigObject = Record<string, unknown>;

export function str(o: ConfigObject, key: string, file: string | undefined): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') bad(file, `${key} must be a string`);
  return String(v);
}

export function num(o: ConfigObject, key: string, file: string | undefined): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0)) bad(file, `${key} must be a number above zero`);
  return v;
}

/**
 * a time: a number in the key's own unit (`plain`: seconds for `...Seconds` keys, ms for `...Ms`) or a
 * duration string ("90s", "2m", "1h30m"); returned in that unit. `path` names the key in messages
 * ("retention.streamIdleSeconds").
 */
export function duration(o: ConfigObject, key: string, file: string | undefined, plain: PlainUnit, path = key, bounds: DurationBounds = {}): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const r = durationValue(v, plain, bounds);
  if ('error' in r) bad(file, `${path}: ${JSON.stringify(v)} ${r.error}`);
  return plain === 's' ? r.ms / 1000 : r.ms;
}

/** a mapping of Prometheus label names to values */
export function labelRecord(v: unknown, key: string, file: string | undefined): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(file, `${key} must be a mapping of label names to values`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as ConfigObject)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) bad(file, `${key}: "${k}" is not a valid Prometheus label name`);
    out[k] = String(val);
  }
  return out;
}

/** E_CONFIG for the first key of `o` that is not in `known`, with its path ("remoteWrite[0].tmeout") */
export function unknownKeys(o: ConfigObject, known: readonly string[], path: string, file: string | undefined): void {
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const near = closest(k, known);
    bad(file, `unknown key "${path === '' ? k : `${path}.${k}`}"${near === null ? '' : ` (did you mean "${near}"?)`}; known${path === '' ? '' : ` in ${path}`}: ${known.join(', ')}`);
  }
}

/** the known key nearest to a misspelt one (edit distance at most 2, or a case difference) */
function closest(word: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const d = k.toLowerCase() === word.toLowerCase() ? 0 : editDistance(word, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

export function bad(file: string | undefined, message: string): never {
  throw new VoipreadyError('E_CONFIG', message, file === undefined ? {} : { file });
}
