/**
 * How long the pipeline holds streams and calls, and how many finished ones the report keeps in full
 * (config key `retention:`). A file or a monitor running for weeks both stay within these bounds:
 * per-second work follows the streams held (active, or idle for less than streamIdleSeconds), not
 * every stream ever seen.
 */
import type { ConfigSection } from '../section.js';
import { bad, duration, num, unknownKeys, type ConfigObject } from '../values.js';

export interface RetentionOptions {
  /** a stream without a packet for this long is finalised and released (analysis clock) */
  streamIdleSeconds: number;
  /** an ended, rejected or cancelled call is finalised this long after its end (once its streams are) */
  callGraceSeconds: number;
  /** a call with no SIP message and no stream held for this long is finalised as it stands */
  callIdleSeconds: number;
  /** finalised streams the report lists in full (the newest); older ones are counted by verdict */
  keepStreams: number;
  /** finalised calls the report lists in full (the newest); older ones are counted by verdict */
  keepCalls: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  streamIdleSeconds: 120,
  callGraceSeconds: 60,
  callIdleSeconds: 4 * 3600,
  keepStreams: 10_000,
  keepCalls: 10_000,
};

export interface RetentionSettings {
  retention: RetentionOptions;
}

const KEYS: Array<keyof RetentionOptions> = ['streamIdleSeconds', 'callGraceSeconds', 'callIdleSeconds', 'keepStreams', 'keepCalls'];

export const retentionSection: ConfigSection<RetentionSettings> = {
  name: 'retention',
  keys: ['retention'],
  load(values, file) {
    const raw = values.retention;
    if (raw === undefined) return { retention: { ...DEFAULT_RETENTION } };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(file, 'retention must be a mapping (streamIdleSeconds, callGraceSeconds, callIdleSeconds, keepStreams, keepCalls)');
    const o = raw as ConfigObject;
    unknownKeys(o, KEYS, 'retention', file);
    const out = { ...DEFAULT_RETENTION };
    for (const k of KEYS) {
      const v = k.endsWith('Seconds') ? duration(o, k, file, 's', `retention.${k}`) : num(o, k, file);
      if (v === undefined) continue;
      if ((k === 'keepStreams' || k === 'keepCalls') && !Number.isInteger(v)) bad(file, `retention.${k} must be a whole number`);
      out[k] = v;
    }
    return { retention: out };
  },
};
