/**
 * Everything a run is configured with, as one flat object composed from independent sections:
 * analysis (profile, thresholds, link speed; the verdict reads these), outputs (labels,
 * remote_write targets, push interval, state dir), retention (how long streams and calls are held) and
 * quality (jitter buffer and assumed network delay of the mouth-to-ear and MOS estimates). Loaded once at the edge (src/cli, through
 * load-settings.ts) and passed down; nothing below reads files or the environment.
 *
 * A new section (proxy, monitor, probe) is one file in sections/ and one entry in SECTIONS;
 * Settings grows by its part without further edits.
 */
import { analysisSection } from './sections/analysis.js';
import { outputsSection } from './sections/outputs.js';
import { retentionSection } from './sections/retention.js';
import { qualitySection } from './sections/quality.js';
import { loadSection, type ConfigSection } from './section.js';
import { unknownKeys, type ConfigObject } from './values.js';

export type { AnalysisSettings } from './sections/analysis.js';
export type { RetentionOptions, RetentionSettings } from './sections/retention.js';
export type { QualityOptions, QualitySettings } from './sections/quality.js';
export type { LabelSettings, OutputSettings, PeerGroup, RemoteWriteSettings, RemoteWriteTarget } from './sections/outputs.js';

/** every section, in the order they are read (the first wrong value found is the one reported) */
export const SECTIONS = [analysisSection, outputsSection, retentionSection, qualitySection] as const;

type PartOf<S> = S extends ConfigSection<infer T> ? T : never;
type AllParts<L extends readonly unknown[]> = L extends readonly [infer H, ...infer R] ? PartOf<H> & AllParts<R> : unknown;

/** AnalysisSettings & OutputSettings (& whatever section is added to SECTIONS) */
export type Settings = AllParts<typeof SECTIONS>;

/** each section over its own keys; their parts side by side (no two sections share a field) */
export function composeSettings(values: ConfigObject, file: string | undefined): Settings {
  // a key no section owns would be silently ignored (a typo, or a setting of another version): say so
  unknownKeys(values, SECTIONS.flatMap((s) => s.keys), '', file);
  const settings: object = {};
  for (const section of SECTIONS) Object.assign(settings, loadSection<object>(section, values, file));
  return settings as Settings;
}
