/**
 * A SIP message as text lines, for the active ALG test: split into start line, header lines and body,
 * and a line-by-line comparison of two messages. Pure; works on bytes (latin1 text, so every byte
 * is one character and lengths are byte lengths, RFC 3261 7.4.1 Content-Length counts bytes).
 */

export interface SipText {
  startLine: string;
  /** header lines without their CRLF, in order */
  headers: string[];
  /** body lines (SDP or other), split on CRLF or LF */
  bodyLines: string[];
  /** body bytes as sent */
  body: string;
  /** the Content-Length value, or null when absent or not a number */
  contentLength: number | null;
}

/** Compact header forms of RFC 3261 7.3.3 that the active test reads */
const COMPACT: Record<string, string> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type' };

export function headerName(line: string): string {
  const colon = line.indexOf(':');
  const raw = (colon < 0 ? line : line.slice(0, colon)).trim().toLowerCase();
  return COMPACT[raw] ?? raw;
}

export function headerValue(line: string): string {
  const colon = line.indexOf(':');
  return colon < 0 ? '' : line.slice(colon + 1).trim();
}

/** null when there is no blank line ending the header */
export function splitSip(text: string): SipText | null {
  let end = text.indexOf('\r\n\r\n');
  let sep = 4;
  if (end < 0) {
    end = text.indexOf('\n\n');
    sep = 2;
  }
  if (end < 0) return null;
  const head = text.slice(0, end).split(/\r?\n/);
  const body = text.slice(end + sep);
  const startLine = head.shift() ?? '';
  const cl = head.find((h) => headerName(h) === 'content-length');
  const clText = cl === undefined ? '' : headerValue(cl);
  return {
    startLine,
    headers: head,
    body,
    bodyLines: body.length === 0 ? [] : body.replace(/\r?\n$/, '').split(/\r?\n/),
    contentLength: /^\d{1,9}$/.test(clText) ? Number(clText) : null,
  };
}

/** what a changed line is, as the verdict names it */
export type Field =
  | 'Request-URI' | 'status line' | 'Via' | 'Contact' | 'From' | 'To' | 'Call-ID' | 'CSeq' | 'Record-Route' | 'Route'
  | 'Content-Length' | 'User-Agent' | 'Server' | 'header' | 'o=' | 'c=' | 'm= port' | 'm=' | 'i=' | 'a=' | 'SDP';

export interface LineChange {
  field: Field;
  /** the line as sent (null: the line was added) */
  before: string | null;
  /** the line as received (null: the line was removed) */
  after: string | null;
}

function headerField(line: string): Field {
  const map: Record<string, Field> = {
    via: 'Via', contact: 'Contact', from: 'From', to: 'To', 'call-id': 'Call-ID', cseq: 'CSeq', 'record-route': 'Record-Route',
    route: 'Route', 'content-length': 'Content-Length', 'user-agent': 'User-Agent', server: 'Server',
  };
  return map[headerName(line)] ?? 'header';
}

function sdpField(before: string | null, after: string | null): Field {
  const line = before ?? after ?? '';
  const t = line.slice(0, 2);
  if (t === 'm=' && before !== null && after !== null) {
    const [mb, ma] = [before.split(' '), after.split(' ')];
    return mb[1] !== ma[1] && mb[0] === ma[0] && mb.slice(2).join(' ') === ma.slice(2).join(' ') ? 'm= port' : 'm=';
  }
  if (t === 'o=' || t === 'c=' || t === 'i=' || t === 'a=' || t === 'm=') return t as Field;
  return 'SDP';
}

/**
 * Line-by-line comparison of the sent and the received message: headers are paired by name and
 * occurrence (the second Via with the second Via), body lines by position after aligning on an
 * LCS, so an inserted i= line is one addition rather than a shifted body.
 */
export function compareSip(sent: SipText, received: SipText): LineChange[] {
  const changes: LineChange[] = [];
  if (sent.startLine !== received.startLine) {
    changes.push({ field: sent.startLine.startsWith('SIP/2.0') ? 'status line' : 'Request-URI', before: sent.startLine, after: received.startLine });
  }
  changes.push(...compareHeaders(sent.headers, received.headers));
  for (const [b, a] of alignLines(sent.bodyLines, received.bodyLines)) {
    if (b !== a) changes.push({ field: sdpField(b, a), before: b, after: a });
  }
  return changes;
}

function compareHeaders(sent: string[], received: string[]): LineChange[] {
  const out: LineChange[] = [];
  const used = new Set<number>();
  const seen = new Map<string, number>();
  for (const line of sent) {
    const name = headerName(line);
    const nth = seen.get(name) ?? 0;
    seen.set(name, nth + 1);
    const idx = nthIndex(received, name, nth);
    if (idx < 0) {
      out.push({ field: headerField(line), before: line, after: null });
      continue;
    }
    used.add(idx);
    if (received[idx] !== line) out.push({ field: headerField(line), before: line, after: received[idx]! });
  }
  received.forEach((line, i) => {
    if (!used.has(i)) out.push({ field: headerField(line), before: null, after: line });
  });
  return out;
}

function nthIndex(lines: string[], name: string, nth: number): number {
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    if (headerName(lines[i]!) === name) {
      if (n === nth) return i;
      n++;
    }
  }
  return -1;
}

/** pairs of (sent, received) lines; unequal neighbours between LCS anchors are paired as changes */
export function alignLines(a: string[], b: string[]): Array<[string | null, string | null]> {
  const n = a.length;
  const m = b.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  const out: Array<[string | null, string | null]> = [];
  let i = 0;
  let j = 0;
  let pendA: string[] = [];
  let pendB: string[] = [];
  const flush = (): void => {
    // pair each removed line with the first added one of the same SDP type (o= with o=); the rest
    // are plain removals and additions, so an inserted i= does not shift c= out of its pair
    const usedB = new Set<number>();
    for (const pa of pendA) {
      const k = pendB.findIndex((pb, idx) => !usedB.has(idx) && pb.slice(0, 2) === pa.slice(0, 2));
      if (k < 0) {
        out.push([pa, null]);
      } else {
        usedB.add(k);
        out.push([pa, pendB[k]!]);
      }
    }
    pendB.forEach((pb, idx) => { if (!usedB.has(idx)) out.push([null, pb]); });
    pendA = [];
    pendB = [];
  };
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      flush();
      out.push([a[i]!, b[j]!]);
      i++;
      j++;
    } else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) {
      pendA.push(a[i++]!);
    } else {
      pendB.push(b[j++]!);
    }
  }
  while (i < n) pendA.push(a[i++]!);
  while (j < m) pendB.push(b[j++]!);
  flush();
  return out;
}

/** a unified-diff-like text of the changes, "-" as sent, "+" as received */
export function formatChanges(changes: LineChange[]): string[] {
  const out: string[] = [];
  for (const c of changes) {
    if (c.before !== null) out.push(`- ${c.before}`);
    if (c.after !== null) out.push(`+ ${c.after}`);
  }
  return out;
}
