/**
 * One SIP message as the lines alg-diff compares (start line, headers, SDP lines), each named by the
 * field it belongs to, and a unified diff of two such line lists (LCS; messages are small).
 */
import type { SipMessage } from '../../decode/sip/types.js';
import { sdpOf } from './fields.js';

export interface NamedLine {
  /** "Request-URI", "Status-Line", "Via", "Via (top)", "Contact", "Call-ID", "o=", "c=", "m=", "i=" ... */
  field: string;
  text: string;
}

export function messageLines(msg: SipMessage): NamedLine[] {
  const out: NamedLine[] = [{ field: msg.kind === 'request' ? 'Request-URI' : 'Status-Line', text: msg.startLine }];
  let firstVia = true;
  for (const h of msg.headers) {
    const field = h.key === 'via' && firstVia ? 'Via (top)' : h.name;
    if (h.key === 'via') firstVia = false;
    out.push({ field, text: h.raw });
  }
  const sdp = sdpOf(msg);
  if (sdp !== null) {
    for (const l of sdp.source.lines) out.push({ field: `${l.raw.slice(0, 2)}`, text: l.raw });
  } else if (msg.body.length > 0) {
    for (const t of msg.body.toString('utf8').split(/\r\n|\r|\n/)) out.push({ field: 'body', text: t });
  }
  return out;
}

export interface LineChange {
  field: string;
  /** null: the line was added */
  before: string | null;
  /** null: the line was removed */
  after: string | null;
}

type Op = { k: ' ' | '-' | '+'; line: NamedLine };

function lcsOps(a: readonly NamedLine[], b: readonly NamedLine[]): Op[] {
  const n = a.length;
  const m = b.length;
  const t: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      t[i]![j] = a[i]!.text === b[j]!.text ? t[i + 1]![j + 1]! + 1 : Math.max(t[i + 1]![j]!, t[i]![j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i]!.text === b[j]!.text) { ops.push({ k: ' ', line: a[i]! }); i++; j++; }
    else if (i < n && (j >= m || t[i + 1]![j]! >= t[i]![j + 1]!)) { ops.push({ k: '-', line: a[i]! }); i++; }
    else { ops.push({ k: '+', line: b[j]! }); j++; }
  }
  return ops;
}

/** the changed lines; within one run of changes a removed and an added line of the same field pair as one change */
export function changesOf(a: readonly NamedLine[], b: readonly NamedLine[]): LineChange[] {
  const out: LineChange[] = [];
  let removed: NamedLine[] = [];
  let added: NamedLine[] = [];
  const flush = (): void => {
    for (const r of removed) {
      const at = added.findIndex((x) => x.field === r.field);
      if (at >= 0) out.push({ field: r.field, before: r.text, after: added.splice(at, 1)[0]!.text });
      else out.push({ field: r.field, before: r.text, after: null });
    }
    for (const x of added) out.push({ field: x.field, before: null, after: x.text });
    removed = [];
    added = [];
  };
  for (const op of lcsOps(a, b)) {
    if (op.k === '-') removed.push(op.line);
    else if (op.k === '+') added.push(op.line);
    else flush();
  }
  flush();
  return out;
}

/** a unified diff (one line of context) of the two versions of a message */
export function unifiedDiff(a: readonly NamedLine[], b: readonly NamedLine[], fromLabel: string, toLabel: string): string {
  const ops = lcsOps(a, b);
  if (ops.every((o) => o.k === ' ')) return '';
  const keep = ops.map((o, i) => o.k !== ' ' || ops[i - 1]?.k !== undefined && ops[i - 1]!.k !== ' ' || ops[i + 1] !== undefined && ops[i + 1]!.k !== ' ');
  const out = [`--- ${fromLabel}`, `+++ ${toLabel}`];
  let ai = 0;
  let bi = 0;
  let hunk: string[] | null = null;
  let hs = { a: 0, b: 0, na: 0, nb: 0 };
  const close = (): void => {
    if (hunk !== null) out.push(`@@ -${hs.a + 1},${hs.na} +${hs.b + 1},${hs.nb} @@`, ...hunk);
    hunk = null;
  };
  ops.forEach((o, i) => {
    if (keep[i]) {
      if (hunk === null) { hunk = []; hs = { a: ai, b: bi, na: 0, nb: 0 }; }
      hunk.push(`${o.k}${o.line.text}`);
      if (o.k !== '+') hs.na++;
      if (o.k !== '-') hs.nb++;
    } else close();
    if (o.k !== '+') ai++;
    if (o.k !== '-') bi++;
  });
  close();
  return out.join('\n');
}
