/**
 * SIP framing over a byte stream (TCP, TLS plaintext): RFC 3261 18.3 says a stream carries
 * messages back to back, each ended by its Content-Length. A state machine with three answers
 * (message / need-more / invalid) and a byte cap: a peer that never finishes a message, or
 * announces a huge body, costs us at most `maxBufferedBytes`, then an error and a clean restart.
 *
 * Zero copy where possible: messages wholly inside one pushed chunk are handed on as views of it;
 * only the unfinished tail is copied, because the caller reuses its buffer after push() returns.
 */
import {
  CR, LF, START_NONE, couldStartSip, findHeaderEnd, findLineEnd, lineContentEnd, parseContentLength,
  startLineKind,
} from '../decode/sip/lines.js';

export type SipFrameErrorCode = 'SIP_FRAME_NOT_SIP' | 'SIP_BAD_CONTENT_LENGTH' | 'SIP_FRAME_TOO_LARGE';

/** One framing step at `pos`: a message of `length` bytes, need more bytes, or invalid bytes. */
export type SipFrameStep =
  | { kind: 'message'; length: number }
  | { kind: 'need-more'; /** total message bytes when already known, else 0 */ needed: number }
  | { kind: 'invalid'; code: SipFrameErrorCode; offset: number };

const DEFAULT_MAX = 256 * 1024;
/** a start line or header block longer than this without an end is not SIP (RFC 3261 has no limit; real ones are < 8 KiB) */
const MAX_START_LINE = 8 * 1024;

/**
 * Frames one message at `pos` (which must not be a CR/LF): pure, over (buf, pos, end).
 */
export function frameSipMessage(buf: Buffer, pos: number, end: number): SipFrameStep {
  const lf = findLineEnd(buf, pos, end);
  if (lf < 0) {
    if (end - pos > MAX_START_LINE || !couldBeStartLine(buf, pos, end)) {
      return { kind: 'invalid', code: 'SIP_FRAME_NOT_SIP', offset: pos };
    }
    return { kind: 'need-more', needed: 0 };
  }
  if (startLineKind(buf, pos, lineContentEnd(buf, pos, lf)) === START_NONE) {
    return { kind: 'invalid', code: 'SIP_FRAME_NOT_SIP', offset: pos };
  }
  const bodyStart = findHeaderEnd(buf, pos, end);
  if (bodyStart < 0) return { kind: 'need-more', needed: 0 };
  const cl = contentLengthIn(buf, lf + 1, bodyStart);
  if (cl < 0) return { kind: 'invalid', code: 'SIP_BAD_CONTENT_LENGTH', offset: pos };
  const length = bodyStart - pos + cl;
  return pos + length <= end ? { kind: 'message', length } : { kind: 'need-more', needed: length };
}

/**
 * A first line still without its line end: wait for more when it is printable text that could
 * still turn into a start line (unknown methods included); binary bytes are garbage at once.
 */
function couldBeStartLine(buf: Buffer, pos: number, end: number): boolean {
  if (couldStartSip(buf, pos, end)) return true;
  const first = buf[pos]!;
  if (!((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) return false;
  for (let i = pos + 1; i < end; i++) {
    const b = buf[i]!;
    if ((b < 0x20 || b > 0x7e) && b !== CR) return false;
  }
  return true;
}

/**
 * Content-Length (or compact "l") among the header lines in [pos, blockEnd); 0 when absent
 * (mandatory on streams, RFC 3261 20.14), -1 when unparsable or when two disagree.
 */
function contentLengthIn(buf: Buffer, pos: number, blockEnd: number): number {
  let found = -2;
  while (pos < blockEnd) {
    const lf = findLineEnd(buf, pos, blockEnd);
    if (lf < 0) break;
    const ce = lineContentEnd(buf, pos, lf);
    const colon = buf.indexOf(0x3a, pos);
    if (colon > pos && colon < ce && isContentLengthName(buf, pos, colon)) {
      const v = parseContentLength(buf, colon + 1, ce);
      if (v < 0 || (found >= 0 && found !== v)) return -1;
      found = v;
    }
    pos = lf + 1;
  }
  return found === -2 ? 0 : found;
}

const CL_NAME = 'content-length';

function isContentLengthName(buf: Buffer, s: number, colon: number): boolean {
  let e = colon;
  while (e > s && (buf[e - 1] === 0x20 || buf[e - 1] === 0x09)) e--;
  const n = e - s;
  if (n === 1) return (buf[s]! | 0x20) === 0x6c; // "l"
  if (n !== CL_NAME.length) return false;
  for (let i = 0; i < n; i++) {
    if ((buf[s + i]! | 0x20) !== CL_NAME.charCodeAt(i)) return false;
  }
  return true;
}

export class SipStreamFramer {
  /** framing errors: garbage runs skipped, bad Content-Length, buffer cap exceeded */
  errors = 0;
  messages = 0;
  keepAlives = 0;
  lastErrorCode: SipFrameErrorCode | null = null;
  private readonly max: number;
  /** bytes kept from earlier pushes, not yet framed (copies) */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** total bytes of the message at the head of the buffer, once its headers are known */
  private needed = 0;
  /** body bytes still to discard after a message larger than the cap */
  private skip = 0;
  /** inside a run of garbage: count the run once */
  private inGarbage = false;

  constructor(opts: { maxBufferedBytes?: number } = {}) {
    this.max = opts.maxBufferedBytes ?? DEFAULT_MAX;
  }

  /** bytes of an unfinished message held (a peer that stops mid-message: a proxy's slowloris check) */
  get pendingBytes(): number {
    return this.buffered;
  }

  push(bytes: Buffer, onMessage: (bytes: Buffer) => void): void {
    let input = bytes;
    if (this.skip > 0) {
      const n = Math.min(this.skip, input.length);
      this.skip -= n;
      input = input.subarray(n);
      if (input.length === 0) return;
    }
    let owned = false;
    if (this.buffered > 0) {
      this.chunks.push(Buffer.from(input)); // copy: the caller reuses its buffer
      this.buffered += input.length;
      if (this.needed > 0 && this.buffered < this.needed) return; // still inside a known body
      input = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
      owned = true;
    }
    const rest = this.frameAll(input, onMessage);
    if (rest < input.length) this.keep(input, rest, owned);
  }

  /** Frames as many messages as `buf` holds; returns where the unfinished tail starts. */
  private frameAll(buf: Buffer, onMessage: (bytes: Buffer) => void): number {
    let pos = 0;
    const end = buf.length;
    this.needed = 0;
    while (pos < end) {
      const b = buf[pos];
      if (b === CR || b === LF) {
        pos = this.skipKeepAlive(buf, pos, end);
        continue;
      }
      const step = frameSipMessage(buf, pos, end);
      if (step.kind === 'message') {
        this.inGarbage = false;
        this.messages++;
        onMessage(buf.subarray(pos, pos + step.length));
        pos += step.length;
      } else if (step.kind === 'need-more') {
        this.needed = step.needed;
        return pos;
      } else {
        pos = this.resync(buf, pos, end, step.code);
      }
    }
    return pos;
  }

  /** "\r\n\r\n" pings (RFC 5626 4.4.1) and stray line ends between messages. */
  private skipKeepAlive(buf: Buffer, pos: number, end: number): number {
    const start = pos;
    while (pos < end && (buf[pos] === CR || buf[pos] === LF)) pos++;
    if (pos - start >= 2) this.keepAlives++;
    return pos;
  }

  /** Skips to the next line start; a run of garbage counts as one error. */
  private resync(buf: Buffer, pos: number, end: number, code: SipFrameErrorCode): number {
    if (!this.inGarbage || code !== 'SIP_FRAME_NOT_SIP') this.fail(code);
    this.inGarbage = code === 'SIP_FRAME_NOT_SIP';
    const lf = findLineEnd(buf, pos, end);
    return lf < 0 ? end : lf + 1;
  }

  /** Keeps the unfinished tail; `owned` buffers (our own concatenations) need no second copy. */
  private keep(buf: Buffer, from: number, owned: boolean): void {
    const tail = buf.length - from;
    if (this.needed > this.max || tail > this.max) {
      // too large to hold: drop what we have and discard the rest of the announced message
      this.fail('SIP_FRAME_TOO_LARGE');
      this.skip = this.needed > tail ? this.needed - tail : 0;
      this.needed = 0;
      return;
    }
    this.chunks = [owned ? buf.subarray(from) : Buffer.from(buf.subarray(from))];
    this.buffered = tail;
  }

  private fail(code: SipFrameErrorCode): void {
    this.errors++;
    this.lastErrorCode = code;
  }
}
