/**
 * Compares our streams with a reference (tshark's figures in ../shared/pcaps/public/*.ref.json, or a
 * generator's truth) by the rules a reviewer applies (../shared/tools/compare_ref.py): per stream
 * keyed by src, dst and SSRC, packets and lost equal, max jitter within 1 %, mean jitter within 2 %
 * (absolute slack 0.01 ms), DSCP counts equal.
 */
export interface RefStream {
  src: string;
  dst: string;
  ssrc: string;
  packets: number;
  lost: number;
  jitterMeanMs: number;
  jitterMaxMs: number;
  maxDeltaMs?: number;
  dscp?: Record<string, number>;
}

export function normEndpoint(ep: string): string {
  const i = ep.lastIndexOf(':');
  let addr = ep.slice(0, i).replace(/^\[|\]$/g, '');
  const port = ep.slice(i + 1);
  if (addr.includes(':')) {
    addr = compressV6(addr);
    return `[${addr}]:${port}`;
  }
  return `${addr}:${port}`;
}

function compressV6(a: string): string {
  const parts = expandV6(a).map((p) => p.replace(/^0+(?=.)/, ''));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j === i ? i + 1 : j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}

function expandV6(a: string): string[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head ? head.split(':') : [];
  if (tail === undefined) return h;
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
}

export function streamKey(s: { src: string; dst: string; ssrc: string | number }): string {
  const ssrc = typeof s.ssrc === 'number' ? `0x${s.ssrc.toString(16).padStart(8, '0')}` : s.ssrc.toLowerCase();
  return `${normEndpoint(s.src)} ${normEndpoint(s.dst)} ${ssrc}`;
}

function close(a: unknown, b: number, rel: number, abs: number): boolean {
  return typeof a === 'number' && Math.abs(a - b) <= Math.max(abs, rel * Math.abs(b));
}

/** returns a list of disagreements (empty when everything agrees) */
export function compareStreams(ours: any[], ref: RefStream[], opts: { dscp?: boolean } = {}): string[] {
  const byKey = new Map(ours.map((s) => [streamKey(s), s]));
  const bad: string[] = [];
  for (const r of ref) {
    const name = streamKey(r);
    const s = byKey.get(name);
    if (s === undefined) { bad.push(`${name}: missing`); continue; }
    if (s.packets !== r.packets) bad.push(`${name}: packets ${s.packets} vs ${r.packets}`);
    if (s.lost !== r.lost) bad.push(`${name}: lost ${s.lost} vs ${r.lost}`);
    if (r.jitterMaxMs > 0 && !close(s.jitterMaxMs, r.jitterMaxMs, 0.01, 0.01)) bad.push(`${name}: max jitter ${s.jitterMaxMs} vs ${r.jitterMaxMs}`);
    if (r.jitterMeanMs > 0 && !close(s.jitterMeanMs, r.jitterMeanMs, 0.02, 0.01)) bad.push(`${name}: mean jitter ${s.jitterMeanMs} vs ${r.jitterMeanMs}`);
    if (opts.dscp !== false && r.dscp && JSON.stringify(sortKeys(s.dscp)) !== JSON.stringify(sortKeys(r.dscp))) {
      bad.push(`${name}: dscp ${JSON.stringify(s.dscp)} vs ${JSON.stringify(r.dscp)}`);
    }
  }
  return bad;
}

function sortKeys(o: Record<string, number> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [String(k), v]).sort());
}
