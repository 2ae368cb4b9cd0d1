// snappyjs ships no types; the two functions we use (block format, not the framing format).
declare module 'snappyjs' {
  /** Returns the same kind of buffer it was given (Buffer in, Buffer out). */
  export function compress<T extends Uint8Array | ArrayBuffer>(data: T): T;
  /** Throws on malformed input or when the announced length exceeds maxLength. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(data: T, maxLength?: number): T;
  const snappy: { compress: typeof compress; uncompress: typeof uncompress };
  export default snappy;
}
