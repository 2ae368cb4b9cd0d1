/**
 * Where a recording goes and when it moves on to the next file: `--record FILE` is one file;
 * `--record DIR` (an existing directory, or a path ending in "/"), or any target with
 * `--record-rotate`, is a series of files named by their UTC start time
 * (DIR/voipready-20261203T081500.123Z.pcapng, or FILE's stem + "-" + time + its extension), a new one
 * when the current one reaches a size or an age, the oldest deleted beyond `--record-keep N`.
 * Names sort in time order, so the oldest is the first by name.
 */
import { basename, dirname, extname, join } from 'node:path';

export interface RotationPolicy {
  /** start a new file once this many bytes are in the current one */
  maxBytes: number | null;
  /** ... or once it is this old */
  maxAgeMs: number | null;
  /** keep at most this many files of the series (the one being written included) */
  keep: number | null;
}

export interface RecordTarget {
  /** one fixed file (no rotation) */
  file: string | null;
  /** a series: directory, name stem and extension */
  dir: string;
  stem: string;
  ext: string;
}

export function targetOf(path: string, isDirectory: boolean, rotating: boolean): RecordTarget {
  if (isDirectory || path.endsWith('/')) return { file: null, dir: path, stem: 'voipready', ext: '.pcapng' };
  const ext = extname(path);
  const stem = basename(path, ext);
  if (!rotating) return { file: path, dir: dirname(path), stem, ext };
  return { file: null, dir: dirname(path), stem, ext: ext === '' ? '.pcapng' : ext };
}

/** 20261203T081500.123Z: ISO 8601 basic format, no colons (valid in every file system) */
export function utcStamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

/** the file of a series started at `ms`; `n` > 0 tells apart files started in the same millisecond */
export function seriesFileName(t: RecordTarget, ms: number, n = 0): string {
  return join(t.dir, `${t.stem}-${utcStamp(ms)}${n > 0 ? `-${n}` : ''}${t.ext}`);
}

/** the names in `names` that belong to the series, oldest first */
export function seriesMembers(t: RecordTarget, names: readonly string[]): string[] {
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`^${esc(t.stem)}-\\d{8}T\\d{6}\\.\\d{3}Z(-\\d+)?${esc(t.ext)}$`);
  return names.filter((n) => re.test(n)).sort(compareMembers);
}

/** by time, then by the same-millisecond counter (numerically: -10 after -9) */
function compareMembers(a: string, b: string): number {
  const key = (s: string): [string, number] => {
    const m = /^(.*\dZ)(?:-(\d+))?\.[^.]*$|^(.*\dZ)(?:-(\d+))?$/.exec(s);
    return [m?.[1] ?? m?.[3] ?? s, Number(m?.[2] ?? m?.[4] ?? 0)];
  };
  const [ta, na] = key(a);
  const [tb, nb] = key(b);
  return ta < tb ? -1 : ta > tb ? 1 : na - nb;
}

/** the members to delete so that `keep` remain */
export function toDelete(members: readonly string[], keep: number | null): string[] {
  if (keep === null || members.length <= keep) return [];
  return members.slice(0, members.length - keep);
}
