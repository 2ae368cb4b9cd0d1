/**
 * How long the pipeline holds streams and calls, and how many finished ones the report keeps in full.
 * A file or a monitor running for weeks both stay within these bounds: per-second work follows the
 * streams held (active, or idle for less than streamIdleSeconds), not every stream ever seen.
 */
export interface RetentionOptions {
  /** a stream without a packet for this long is finalised and released (analysis clock) */
  streamIdleSeconds: number;
  /** an ended, rejected or cancelled call is finalised this long after its end */
  callGraceSeconds: number;
  /** a call with no SIP message and no active stream for this long is finalised as it stands */
  callIdleSeconds: number;
  /** finalised streams the report lists in full (the newest); older ones are counted */
  keepStreams: number;
  /** finalised calls the report lists in full (the newest); older ones are counted */
  keepCalls: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  streamIdleSeconds: 120,
  callGraceSeconds: 60,
  callIdleSeconds: 4 * 3600,
  keepStreams: 10_000,
  keepCalls: 10_000,
};
