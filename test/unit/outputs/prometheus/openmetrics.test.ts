import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenMetricsWriter } from '../../../../src/outputs/openmetrics.js';
import { FakeView, fakeSettings, stream } from './fake-view.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** 3 capture seconds of one stream, then the end, written to a fresh file */
async function writeSample(): Promise<{ dir: string; path: string; text: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'vr-om-'));
  dirs.push(dir);
  const path = join(dir, 'out.om');
  const w = createOpenMetricsWriter(path, fakeSettings());
  const view = new FakeView();
  const s = view.add(stream('s1'));
  w.listener.onStream?.(s, 'start');
  const t0 = 1_700_000_000;
  for (let i = 0; i < 3; i++) {
    s.packets = 50 * (i + 1);
    s.expected = 50 * (i + 1) + i;
    s.lost = i;
    s.jitterMs = 5 + i;
    view.now = (t0 + i) * 1000 + 500;
    w.listener.onSecond?.(t0 + i, view);
  }
  view.now = (t0 + 3) * 1000 + 250;
  w.listener.onEnd?.(view.report(), view);
  await w.close();
  return { dir, path, text: readFileSync(path, 'utf8') };
}

describe('createOpenMetricsWriter', () => {
  it('groups each family together, in time order, with the capture timestamps and # EOF', async () => {
    const { dir, text } = await writeSample();
    expect(text.endsWith('# EOF\n')).toBe(true);
    const received = text.split('\n').filter((l) => l.startsWith('voipready_rtp_packets_received_total{'));
    expect(received.map((l) => l.split(' ').slice(-2).join(' '))).toEqual([
      '50 1700000000', '100 1700000001', '150 1700000002', '150 1700000003.25',
    ]);
    // families never interleave: each TYPE line appears once, and a family's samples follow its header
    const families = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string);
    expect(new Set(families).size).toBe(families.length);
    let current = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('# TYPE ')) current = line.split(' ')[2] as string;
      else if (line !== '' && !line.startsWith('#')) expect(line.startsWith(current)).toBe(true);
    }
    expect(readdirSync(dir)).toEqual(['out.om']); // temp files are gone
  });

  it.skipIf(!existsSync('/usr/bin/promtool'))('is accepted by promtool tsdb create-blocks-from openmetrics', async () => {
    const { dir, path } = await writeSample();
    const out = execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', path, join(dir, 'data')], { encoding: 'utf8' });
    expect(readdirSync(join(dir, 'data')).length).toBeGreaterThan(0);
    expect(out).not.toMatch(/error/i);
  });
});
