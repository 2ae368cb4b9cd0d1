/**
 * Words for what a capture held and was not analysed (input.undecoded), shared by the report's
 * reason, the text and the HTML report.
 */
import type { UndecodedTraffic } from './report.js';

/** 1240 -> "1,240" */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** "3,000 packets of TCP port 443 (HTTPS), 1,240 of IPsec ESP and 12 of ARP": the biggest three */
export function contentsSentence(list: readonly UndecodedTraffic[]): string | null {
  if (list.length === 0) return null;
  const parts = list.slice(0, 3).map((u, i) => `${count(u.packets)}${i === 0 ? ' packets' : ''} of ${u.what}`);
  const rest = list.length - 3;
  const more = rest > 0 ? ` and ${rest} more kind${rest === 1 ? '' : 's'}` : '';
  const head = parts.length > 1 ? `${parts.slice(0, -1).join(', ')}${more === '' ? ' and ' : ', '}${parts[parts.length - 1]}` : parts[0];
  return `the capture holds ${head}${more}`;
}
