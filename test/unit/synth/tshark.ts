/** Thin helpers around the tshark oracle for the synth tests (not a test file itself). */
import { execFileSync, spawnSync } from 'node:child_process';

export const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

export interface TsharkStream {
  src: string;
  dst: string;
  ssrc: string;
  packets: number;
  lost: number;
  maxDeltaMs: number;
  jitterMeanMs: number;
  jitterMaxMs: number;
}

export function tshark(args: string[]): string {
  return execFileSync('tshark', ['-n', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
}

function endpoint(addr: string, port: string): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export interface TsharkView {
  streams: TsharkStream[];
  /** SIP messages tshark decodes (one CSeq per message; a TCP segment may hold several) */
  sipMessages: number;
}

function parseStream(line: string): TsharkStream | null {
  let t = line.trim().split(/\s+/);
  if (t.length < 17 || !t[6]?.startsWith('0x')) return null;
  if (t[t.length - 1] === 'X') t = t.slice(0, -1);
  // the payload may be several words ("g711A, telephone-event"): read the figures from the end
  const [pkts, lost, , , , maxd, , meanj, maxj] = t.slice(-9);
  return {
    src: endpoint(t[2]!, t[3]!), dst: endpoint(t[4]!, t[5]!), ssrc: t[6]!.toLowerCase(),
    packets: Number(pkts), lost: Number(lost), maxDeltaMs: Number(maxd), jitterMeanMs: Number(meanj),
    jitterMaxMs: Number(maxj),
  };
}

/** one tshark run: `-z rtp,streams` plus the CSeq of every SIP message (one pass keeps tests fast) */
export function tsharkView(path: string, heuristic = false): TsharkView {
  const pre = heuristic ? ['-o', 'rtp.heuristic_rtp:TRUE'] : [];
  const out = tshark([...pre, '-r', path, '-z', 'rtp,streams', '-Y', 'sip', '-T', 'fields', '-e', 'sip.CSeq']);
  const cut = out.indexOf('========');
  const fields = cut < 0 ? out : out.slice(0, cut);
  const sipMessages = fields.split('\n').filter((l) => l.trim() !== '').reduce((n, l) => n + l.split(',').length, 0);
  const streams = (cut < 0 ? '' : out.slice(cut)).split('\n').map(parseStream).filter((x) => x !== null);
  return { streams, sipMessages };
}

/** tshark prints 3 decimals: equal within 1 % or 0.0015 ms, whichever is larger */
export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(0.01 * Math.abs(b), 0.0015);
}
