/**
 * The error catalogue. Every failure that reaches a user has a stable code, a message that names the
 * file, packet number and byte offset where known, and an exit code. The README's "Errors" table is
 * kept in step with ERROR_CATALOGUE by test/unit/errors.test.ts.
 *
 * Per-packet anomalies (a malformed SIP message, a truncated RTP header) are NOT errors: they are
 * findings or decode-error counts, and the analysis goes on.
 */
export const ERROR_CATALOGUE = {
  E_USAGE: { exit: 3, summary: 'bad command line: unknown option, missing argument, invalid value' },
  E_FILE_OPEN: { exit: 4, summary: 'the capture file cannot be opened or read' },
  E_CAPTURE_FORMAT: { exit: 4, summary: 'not a pcap or pcapng file (bad magic number)' },
  E_CAPTURE_TRUNCATED: { exit: 4, summary: 'the capture ends inside a record or block header' },
  E_CAPTURE_CORRUPT: { exit: 4, summary: 'a record or block announces an impossible length' },
  E_CONFIG: { exit: 5, summary: 'the config file cannot be read or has an invalid value' },
  E_LISTEN: { exit: 6, summary: 'a server (HTTP, alg-echo, STUN) cannot listen on the requested address' },
  E_NETWORK: { exit: 7, summary: 'alg-check or nat-check: the test server cannot be reached or does not answer' },
  E_OUTPUT: { exit: 8, summary: 'an output file (--html, --openmetrics, --report, --truth, --textfile) cannot be written, or an alg-check/nat-check --remote-write push failed' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export interface ErrorPlace {
  file?: string;
  /** 1-based packet (record) number, as Wireshark's frame.number */
  packet?: number;
  /** byte offset in the file */
  offset?: number;
}

export class VoipreadyError extends Error {
  readonly code: ErrorCode;
  readonly place: ErrorPlace;
  constructor(code: ErrorCode, message: string, place: ErrorPlace = {}) {
    super(formatMessage(message, place));
    this.name = 'VoipreadyError';
    this.code = code;
    this.place = place;
  }
  get exitCode(): number {
    return ERROR_CATALOGUE[this.code].exit;
  }
}

/** why a file could not be written, in words ("its directory does not exist"), then Node's own text */
export function writeFailure(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: 'its directory does not exist', EACCES: 'permission denied', EPERM: 'permission denied',
    EISDIR: 'it is a directory', ENOTDIR: 'a part of the path is not a directory', EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded',
  };
  const why = e?.code !== undefined ? words[e.code] : undefined;
  const text = err instanceof Error ? err.message : String(err);
  return why === undefined ? text : `${why} (${text})`;
}

/** E_OUTPUT naming the file and which output it is ("the HTML report (--html)") */
export function outputError(path: string, what: string, err: unknown): VoipreadyError {
  return new VoipreadyError('E_OUTPUT', `cannot write ${what}: ${writeFailure(err)}`, { file: path });
}

function formatMessage(message: string, place: ErrorPlace): string {
  const where: string[] = [];
  if (place.file !== undefined) where.push(place.file);
  if (place.packet !== undefined) where.push(`packet ${place.packet}`);
  if (place.offset !== undefined) where.push(`offset ${place.offset}`);
  return where.length > 0 ? `${where.join(', ')}: ${message}` : message;
}
