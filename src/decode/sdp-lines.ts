/**
 * Where the lines of an SDP body sit: the line cursor parseSdp walks with, and the line references
 * it keeps so that a proxy can rewrite c= / m= in place (src/encode/sdp-rewrite.ts) and the ALG
 * detector can quote the exact line it saw.
 *
 * Offsets are relative to what parseSdp was given: bytes of a Buffer (a SIP body view gives offsets
 * from the body's first byte: add the message's bodyOffset), UTF-16 indices of a string. Lines are cut
 * as /\r\n|\r|\n/ cuts them (RFC 4566 5 wants CRLF; LF and bare CR are tolerated like sdp-transform).
 */
import { isAscii } from 'node:buffer';

/** One line: [start, end) is its content, [end, next) its line break (empty for a last line without one). */
export interface SdpLine {
  readonly start: number;
  readonly end: number;
  readonly next: number;
  /** the line as written, without its line break; decoded on first read */
  readonly raw: string;
}

/** Where the parsed values of a description came from. */
export interface SdpSource {
  /** every line, in order, blank ones included (a zero-length tail after the final line break is none); built on first read */
  readonly lines: readonly SdpLine[];
  /** the o= line that gave `origin` (the last well-formed one before the first m=) */
  readonly origin: SdpLine;
  /** every session-level c= line ("IN IPx ..."), in order; the last usable one gives `connection` */
  readonly connections: readonly SdpLine[];
  /** the length of the input: where the last section ends */
  readonly end: number;
}

/** Where one media section's values came from. */
export interface SdpMediaSource {
  /** the m= line */
  readonly media: SdpLine;
  /** the media-level c= lines, in order (empty: the session-level connection applies) */
  readonly connections: readonly SdpLine[];
  /** the a=rtcp lines (RFC 3605) that the grammar accepted, in order */
  readonly rtcp: readonly SdpLine[];
  /** where the section ends: the next m= line's start, or the end of the input */
  readonly end: number;
}

/**
 * The input as text whose indices are offsets: a string as given; a Buffer decoded as latin1 (byte i
 * is character i). Values are what a UTF-8 decode gives: pieces before the first non-ASCII byte are
 * slices (ASCII reads the same in latin1 and UTF-8), later pieces are decoded from their bytes. A
 * line-by-line UTF-8 decode equals the whole decode's lines, since UTF-8 never encodes CR or LF
 * inside another character and a decoder restarts at every ASCII byte.
 */
export class SdpInput {
  readonly text: string;
  readonly length: number;
  /** index of the first byte >= 0x80 of a Buffer, or the length (and for a string) */
  readonly asciiEnd: number;
  readonly #buf: Buffer | null;
  /** the next non-ASCII index at or after #naFrom (the length when none): most lines past asciiEnd are still ASCII */
  #na = -1;
  #naFrom = Infinity;

  constructor(body: Buffer | string) {
    this.length = body.length;
    if (typeof body === 'string') {
      this.text = body;
      this.#buf = null;
      this.asciiEnd = body.length;
    } else {
      this.text = body.toString('latin1');
      this.#buf = body;
      this.asciiEnd = isAscii(body) ? body.length : this.text.search(NON_ASCII);
    }
  }

  /** the text of [start, end) as its UTF-8 decode reads; decoded from the bytes only when they hold non-ASCII */
  str(start: number, end: number): string {
    if (end <= this.asciiEnd) return this.text.slice(start, end);
    if (this.#naFrom > start || this.#na < start) {
      NON_ASCII_AFTER.lastIndex = start;
      this.#na = NON_ASCII_AFTER.exec(this.text)?.index ?? this.text.length;
      this.#naFrom = start;
    }
    return this.#na >= end ? this.text.slice(start, end) : this.#buf!.toString('utf8', start, end);
  }

  /** the whole input as text (a Buffer's UTF-8 decode) */
  decoded(): string {
    return this.#buf === null ? this.text : this.#buf.toString('utf8');
  }
}

const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_AFTER = /[^\x00-\x7f]/g;


/**
 * Walks the lines: [start, end) is the current line's content, [end, next) its break. The breaks are
 * found by one global regex, as split() found them before: native scanning, and no branches of ours
 * that a first LF-only or CR-only description would send back to the interpreter.
 */
export class SdpLineCursor {
  start = 0;
  end = 0;
  next = 0;
  #done = false;

  constructor(private readonly text: string) {}

  /** moves to the next line; false when there is none (a zero-length tail after a final break is none) */
  advance(): boolean {
    const t = this.text;
    const p = this.next;
    if (this.#done || (p >= t.length && p > 0)) return false;
    LINE_BREAK.lastIndex = p;
    const m = LINE_BREAK.exec(t);
    this.start = p;
    if (m === null) {
      this.end = this.next = t.length;
      this.#done = true;
    } else {
      this.end = m.index;
      this.next = m.index + m[0].length;
    }
    return true;
  }
}

const LINE_BREAK = /\r\n|\r|\n/g;

/** A line kept by the parser; the text is cut from the input only when someone reads `raw`. */
export class SdpLineRef implements SdpLine {
  #raw: string | undefined;

  constructor(
    private readonly input: SdpInput,
    readonly start: number,
    readonly end: number,
    readonly next: number,
  ) {}

  get raw(): string {
    this.#raw ??= this.input.str(this.start, this.end);
    return this.#raw;
  }

  static at(input: SdpInput, c: SdpLineCursor): SdpLineRef {
    return new SdpLineRef(input, c.start, c.end, c.next);
  }
}

/** The description's source; `lines` walks the input again on first read, so parsing pays nothing for it. */
export class SdpSourceImpl implements SdpSource {
  readonly connections: SdpLineRef[] = [];
  origin!: SdpLineRef;
  #lines: SdpLine[] | undefined;

  constructor(private readonly input: SdpInput) {}

  get end(): number {
    return this.input.length;
  }

  get lines(): readonly SdpLine[] {
    if (this.#lines === undefined) {
      const out: SdpLine[] = [];
      const c = new SdpLineCursor(this.input.text);
      while (c.advance()) out.push(SdpLineRef.at(this.input, c));
      this.#lines = out;
    }
    return this.#lines;
  }
}
