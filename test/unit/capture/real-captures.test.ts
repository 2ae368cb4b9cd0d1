/**
 * The readers against the public captures in ../shared/pcaps/public, with tshark 4.0 (run here when
 * on PATH) as the independent reference: every record's number and epoch time to tshark's printed
 * nanosecond precision, and the link type as capinfos names it.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile, readCaptureStream, iterateCapture } from '../../../src/capture/file-source.js';
import { linkTypeName } from '../../../src/capture/link-types.js';

const DIR = join(process.cwd(), '..', 'shared', 'pcaps', 'public');
const HAVE = existsSync(DIR);
const HAVE_TSHARK = HAVE && hasTool('tshark') && hasTool('capinfos');

function hasTool(name: string): boolean {
  try {
    execFileSync(name, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const FILES = HAVE ? readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)) : [];
/** capinfos -T -E encapsulation names for the link types in these files */
const CAPINFOS_NAME: Record<number, string> = { 0: 'null', 1: 'ether', 101: 'rawip', 113: 'linux-sll', 276: 'linux-sll2' };

function epoch(sec: number, nsec: number): string {
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}

describe.skipIf(!HAVE)('public captures (../shared/pcaps/public absent: skipped)', () => {
  it('reads every file without error', () => {
    expect(FILES.length).toBeGreaterThan(10);
    for (const f of FILES) {
      const s = readCaptureFile(join(DIR, f), () => {});
      expect(s.error, f).toBeUndefined();
      expect(s.records, f).toBeGreaterThan(0);
      expect(s.linkTypes.map(linkTypeName).join(), f).not.toContain('LINKTYPE');
    }
  });

  describe.skipIf(!HAVE_TSHARK)('against tshark and capinfos (not on PATH: skipped)', () => {
    // one capinfos run for all files (fast): count, first/last time at its printed precision, encapsulation
    const info = HAVE_TSHARK
      ? execFileSync('capinfos', ['-T', '-r', '-S', '-a', '-e', '-c', '-E', ...FILES.map((f) => join(DIR, f))], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map((l) => l.split('\t'))
      : [];

    it.each(FILES)('%s: record count, first/last epoch time and link type equal capinfos', (f) => {
      const row = info.find((r) => r[0]?.endsWith(`/${f}`)) ?? [];
      const times: string[] = [];
      // a small chunk size so records span chunk boundaries in the real files too
      const s = readCaptureFile(join(DIR, f), (r) => times.push(epoch(r.tsSec, r.tsNsec)), { chunkSize: 4093 });
      expect(s.error).toBeUndefined();
      expect(String(s.records)).toBe(row[2]);
      expect(s.linkTypes.map((l) => CAPINFOS_NAME[l]).join()).toBe(row[1]);
      // capinfos prints 6 or 9 decimals by the file's resolution: compare at that precision
      for (const [ours, ref] of [[times[0], row[3]], [times.at(-1), row[4]]]) {
        expect(ours?.slice(0, ref?.length)).toBe(ref);
        expect(/^0*$/.test(ours?.slice(ref?.length ?? 0) ?? '')).toBe(true);
      }
    });

    it.each(['ndpi-webrtc-meet-ipv6-multiif.pcapng', 'neg-be-nsec-http.pcap', 'heplify-sll-sip-tcp-retrans.pcap'])(
      '%s: every frame number and epoch time equals tshark -e frame.time_epoch',
      (f) => {
        const path = join(DIR, f);
        const ref = execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch'], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        }).trim().split('\n');
        const ours: string[] = [];
        readCaptureFile(path, (r) => ours.push(`${r.num}\t${epoch(r.tsSec, r.tsNsec)}`), { chunkSize: 777 });
        expect(ours).toEqual(ref);
      },
    );
  });

  it('the stream reader and the iterator agree with the file reader', async () => {
    const path = join(DIR, 'ndpi-webrtc-meet-ipv6-multiif.pcapng');
    const want: string[] = [];
    const s1 = readCaptureFile(path, (r) => want.push(`${r.num} ${r.tsSec} ${r.tsNsec} ${r.data.toString('hex')}`));
    const viaStream: string[] = [];
    const s2 = await readCaptureStream(createReadStream(path, { highWaterMark: 1000 }), 'stdin', (r) =>
      viaStream.push(`${r.num} ${r.tsSec} ${r.tsNsec} ${r.data.toString('hex')}`),
    );
    expect(viaStream).toEqual(want);
    expect(s2.records).toBe(s1.records);
    const it = iterateCapture(path, { chunkSize: 5000 });
    const copies = [];
    for await (const r of it) {
      copies.push(r);
    }
    // copies stay valid after the reader moved on
    expect(copies.map((r) => `${r.num} ${r.tsSec} ${r.tsNsec} ${r.data.toString('hex')}`)).toEqual(want);
    expect(it.summary?.records).toBe(s1.records);
  });

  it('a missing file is E_FILE_OPEN, not a throw; the progress callback reaches the file size', () => {
    expect(readCaptureFile(join(DIR, 'no-such.pcap'), () => {}).error?.code).toBe('E_FILE_OPEN');
    const path = join(DIR, 'sipp-g711a.pcap');
    let last = [0, 0];
    readCaptureFile(path, () => {}, { chunkSize: 10000, onProgress: (a, b) => (last = [a, b]) });
    expect(last).toEqual([readFileSync(path).length, readFileSync(path).length]);
  });
});
