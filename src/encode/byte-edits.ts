/**
 * Edits of a byte range by offsets: the one primitive under the SIP splice and the SDP rewrite, so
 * that both keep every byte they were not asked to change. An edit replaces [start, end) of the
 * input (start === end inserts); text is written as UTF-8.
 */

export interface ByteEdit {
  start: number;
  end: number;
  bytes: Uint8Array | string;
}

/**
 * The bytes of buf[from, to) with the edits applied. Edits may come in any order; insertions at the
 * same offset keep the order they were given in, and come before a replacement starting there.
 * Overlapping edits, or edits outside [from, to), are a caller's mistake: RangeError.
 */
export function applyEdits(buf: Uint8Array, edits: readonly ByteEdit[], from = 0, to = buf.length): Buffer {
  const order = edits.map((_, i) => i);
  order.sort((a, b) => edits[a]!.start - edits[b]!.start || edits[a]!.end - edits[b]!.end || a - b);
  const parts: Uint8Array[] = [];
  let pos = from;
  for (const i of order) {
    const e = edits[i]!;
    if (e.start < pos || e.end < e.start || e.end > to) {
      throw new RangeError(`edit [${e.start}, ${e.end}) overlaps another or lies outside [${from}, ${to})`);
    }
    if (e.start > pos) parts.push(buf.subarray(pos, e.start));
    parts.push(typeof e.bytes === 'string' ? Buffer.from(e.bytes, 'utf8') : e.bytes);
    pos = e.end;
  }
  if (pos < to) parts.push(buf.subarray(pos, to));
  return Buffer.concat(parts);
}

/** The length of the line break at `pos` (CRLF: 2, LF or a bare CR: 1, none: 0). */
export function lineBreakAt(buf: Uint8Array, pos: number): number {
  if (buf[pos] === 0x0d) return buf[pos + 1] === 0x0a ? 2 : 1;
  return buf[pos] === 0x0a ? 1 : 0;
}

/** Text that would end or split a line: a header or SDP line must not carry CR or LF (injection). */
export function assertOneLine(text: string, what: string): void {
  if (/[\r\n]/.test(text)) throw new RangeError(`${what} must not contain CR or LF: ${JSON.stringify(text)}`);
}
