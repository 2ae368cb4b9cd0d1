import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotsToSeries } from '../../../../src/outputs/remote-write/batch.js';
import { DiskQueue, targetKey } from '../../../../src/outputs/remote-write/disk-queue.js';
import { SeriesTable } from '../../../../src/outputs/remote-write/series-table.js';
import type { Snapshot } from '../../../../src/outputs/remote-write/snapshot.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'vr-disk-'));
  dirs.push(d);
  return d;
}

function fill(table: SeriesTable, seq: number): Snapshot {
  const a = table.intern([{ name: '__name__', value: 'a' }, { name: 'site', value: 'hq' }]);
  const b = table.intern([{ name: '__name__', value: 'b' }]);
  return { seq, timestampMs: 1_700_000_000_000 + seq * 1000, ids: Uint32Array.from([a, b]), values: Float64Array.from([seq, seq * 2]) };
}

function plain(table: SeriesTable, snaps: Snapshot[]): string {
  return JSON.stringify(snapshotsToSeries(snaps, table));
}

describe('DiskQueue', () => {
  it('restores unsent snapshots with labels, values and timestamps', () => {
    const dir = tmp();
    const t1 = new SeriesTable();
    const { disk } = DiskQueue.open(dir, t1, () => undefined);
    const snaps = [0, 1, 2, 3].map((i) => fill(t1, i));
    for (const s of snaps) disk.append(s, t1);
    disk.close({ [targetKey('http://x/')]: 2 });
    const t2 = new SeriesTable();
    const { restored } = DiskQueue.open(dir, t2, () => undefined);
    expect(restored.next).toEqual({ [targetKey('http://x/')]: 2 });
    expect(restored.nextSeq).toBe(4);
    expect(restored.snapshots.map((s) => s.seq)).toEqual([2, 3]);
    expect(plain(t2, restored.snapshots)).toBe(plain(t1, snaps.slice(2)));
  });

  it('skips a record cut short by kill -9 and a damaged one, with a log line, without throwing', () => {
    const dir = tmp();
    const t1 = new SeriesTable();
    const { disk } = DiskQueue.open(dir, t1, () => undefined);
    for (let i = 0; i < 3; i++) disk.append(fill(t1, i), t1);
    disk.flush({ k: 0 });
    disk.abandon();
    const [seg] = readdirSync(dir).filter((n) => n.endsWith('.seg'));
    const path = join(dir, seg as string);
    const whole = readFileSync(path);
    appendFileSync(path, whole.subarray(0, 30)); // half of a record
    const logs: string[] = [];
    const { restored } = DiskQueue.open(dir, new SeriesTable(), (l) => logs.push(l));
    expect(restored.snapshots.map((s) => s.seq)).toEqual([0, 1, 2]);
    expect(logs.join('\n')).toMatch(/record announces \d+ bytes but the file ends first at byte \d+/);

    const damaged = Buffer.from(whole);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff; // last record's payload
    writeFileSync(path, damaged);
    logs.length = 0;
    const again = DiskQueue.open(dir, new SeriesTable(), (l) => logs.push(l));
    expect(again.restored.snapshots.map((s) => s.seq)).toEqual([0, 1]);
    expect(logs.join('\n')).toMatch(/checksum mismatch/);
  });

  it('deletes segments every target has sent, and survives a damaged cursor', () => {
    const dir = tmp();
    const t = new SeriesTable();
    const first = DiskQueue.open(dir, t, () => undefined).disk;
    first.append(fill(t, 0), t);
    first.close({ k: 0 });
    const second = DiskQueue.open(dir, t, () => undefined);
    expect(second.restored.nextSeq).toBe(1);
    second.disk.append(fill(t, 1), t);
    second.disk.flush({ k: 2 });
    // segment 1 (seq 0) is gone; the open segment 2 stays until rotation
    expect(readdirSync(dir).filter((n) => n.endsWith('.seg'))).toEqual(['000000000002.seg']);
    second.disk.close({ k: 2 });
    writeFileSync(join(dir, 'cursor.json'), '{not json');
    const logs: string[] = [];
    const third = DiskQueue.open(dir, new SeriesTable(), (l) => logs.push(l));
    expect(third.restored.snapshots.map((s) => s.seq)).toEqual([1]);
    expect(logs.join('\n')).toMatch(/cursor.json is damaged/);
  });

  it('writes no URL (and so no credentials) to disk', () => {
    const dir = tmp();
    const t = new SeriesTable();
    const { disk } = DiskQueue.open(dir, t, () => undefined);
    disk.close({ [targetKey('https://user:secret@example.com/w')]: 0 });
    expect(readFileSync(join(dir, 'cursor.json'), 'utf8')).not.toMatch(/secret|example/);
  });
});
