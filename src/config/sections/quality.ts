/**
 * How call quality is estimated (config key `quality:`): the jitter buffer the mouth-to-ear delay
 * counts, and the network one-way delay assumed when nothing in the input measures it.
 *
 * ```yaml
 * quality: { jitterBufferMs: auto, assumedNetworkDelayMs: 0 }
 * ```
 * - `jitterBufferMs`: `auto` (default: twice the stream's mean RFC 3550 jitter, rounded up to whole
 *   frames, at least one frame) or a fixed size in ms (the receiver's configured buffer);
 * - `assumedNetworkDelayMs`: the one-way network delay counted when neither RTCP nor another method
 *   measured one (default 0: the mouth-to-ear figure is then flagged `networkMeasured: false` and a
 *   lower bound; not graded against the total-delay limit).
 */
import type { ConfigSection } from '../section.js';
import { bad, duration, unknownKeys, type ConfigObject } from '../values.js';

export interface QualityOptions {
  /** null: automatic, from the measured jitter */
  jitterBufferMs: number | null;
  assumedNetworkDelayMs: number;
}

export const DEFAULT_QUALITY: QualityOptions = { jitterBufferMs: null, assumedNetworkDelayMs: 0 };

export interface QualitySettings {
  quality: QualityOptions;
}

const KEYS = ['jitterBufferMs', 'assumedNetworkDelayMs'];

export const qualitySection: ConfigSection<QualitySettings> = {
  name: 'quality',
  keys: ['quality'],
  load(values, file) {
    const raw = values.quality;
    if (raw === undefined) return { quality: { ...DEFAULT_QUALITY } };
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad(file, `quality must be a mapping (${KEYS.join(', ')})`);
    const o = raw as ConfigObject;
    unknownKeys(o, KEYS, 'quality', file);
    const out = { ...DEFAULT_QUALITY };
    // both in ms: plain numbers are ms, "20ms" or "0.02s" read the same
    if (o.jitterBufferMs !== undefined && o.jitterBufferMs !== 'auto') {
      out.jitterBufferMs = duration(o, 'jitterBufferMs', file, 'ms', 'quality.jitterBufferMs (or "auto")', { zero: true }) ?? null;
    }
    const nd = duration(o, 'assumedNetworkDelayMs', file, 'ms', 'quality.assumedNetworkDelayMs', { zero: true });
    if (nd !== undefined) out.assumedNetworkDelayMs = nd;
    return { quality: out };
  },
};

/** the quality options of settings that may lack the section (tests pass AnalysisSettings alone) */
export function qualityOf(settings: object): QualityOptions {
  const q = (settings as Partial<QualitySettings>).quality;
  return q ?? DEFAULT_QUALITY;
}
