/**
 * The 17 public captures (../shared/pcaps/public) through the mini walker, the SDP emulation, the media
 * registry and the stream table, compared with tshark 4.0.17's figures (NAME.ref.json) by the rules of
 * ../shared/tools/compare_ref.py: per (src, dst, ssrc) packets and lost equal, max jitter within 1 %,
 * mean jitter within 2 % (0.01 ms floor), DSCP counts equal; captures without RTP give no stream.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseCapture } from '../../helpers/analyse-capture.js';

const DIR = join(process.cwd(), '..', 'shared', 'pcaps', 'public');
const present = existsSync(DIR);

interface RefStream {
  src: string;
  dst: string;
  ssrc: string;
  packets: number;
  lost: number;
  jitterMeanMs: number;
  jitterMaxMs: number;
  dscp: Record<string, number>;
}

function close(a: number, b: number, rel: number): boolean {
  return Math.abs(a - b) <= Math.max(0.01, rel * Math.abs(b));
}

const captures = present ? readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)).sort() : [];

describe.skipIf(!present)('public captures against tshark 4.0.17 (skipped: ../shared/pcaps/public absent)', () => {
  it('has the 17 captures', () => {
    expect(captures.length).toBe(17);
  });

  for (const file of captures) {
    it(file, () => {
      const ref = JSON.parse(readFileSync(join(DIR, file.replace(/\.pcap(ng)?$/, '.ref.json')), 'utf8')) as {
        streams: RefStream[];
      };
      const a = analyseCapture(join(DIR, file));
      const ours = a.table.streams().map((s) => s.toReport());
      const problems: string[] = [];
      for (const r of ref.streams) {
        const s = ours.find((o) => o.src === r.src && o.dst === r.dst && o.ssrc === r.ssrc);
        const name = `${r.src}->${r.dst} ${r.ssrc}`;
        if (!s) {
          problems.push(`${name}: missing`);
          continue;
        }
        if (s.packets !== r.packets) problems.push(`${name}: packets ${s.packets} vs ${r.packets}`);
        if (s.lost !== r.lost) problems.push(`${name}: lost ${s.lost} vs ${r.lost}`);
        if (r.jitterMaxMs > 0 && !close(s.jitterMaxMs, r.jitterMaxMs, 0.01)) {
          problems.push(`${name}: max jitter ${s.jitterMaxMs} vs ${r.jitterMaxMs}`);
        }
        if (r.jitterMeanMs > 0 && !close(s.jitterMeanMs, r.jitterMeanMs, 0.02)) {
          problems.push(`${name}: mean jitter ${s.jitterMeanMs} vs ${r.jitterMeanMs}`);
        }
        if (r.jitterMaxMs === 0 && s.jitterMaxMs !== 0) problems.push(`${name}: max jitter ${s.jitterMaxMs} vs 0`);
        if (JSON.stringify(s.dscp) !== JSON.stringify(r.dscp)) problems.push(`${name}: dscp ${JSON.stringify(s.dscp)}`);
      }
      if (ref.streams.length === 0) {
        for (const s of ours) problems.push(`extra stream in a capture without RTP: ${s.src}->${s.dst} ${s.ssrc}`);
      }
      expect(problems).toEqual([]);
    });
  }
});
