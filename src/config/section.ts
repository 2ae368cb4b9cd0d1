/**
 * A section of Settings: the config file's top-level keys it owns and how it turns them into its
 * part of Settings. Sections are independent; src/config/settings.ts lists them and composes their
 * parts into one flat Settings (flat because the config file is flat). A later section (proxy,
 * monitor, probe) is one file in sections/ and one entry in that list.
 */
import type { ConfigObject } from './values.js';

export interface ConfigSection<T> {
  /** for messages and tests, e.g. "analysis" */
  readonly name: string;
  /** the config file's top-level keys this section reads; it sees no others */
  readonly keys: readonly string[];
  /**
   * builds the section's part from its keys' values (the command line's already laid over the
   * file's, see load-settings.ts); `file` is the config file's path for messages, if there is one
   */
  load(values: ConfigObject, file: string | undefined): T;
}

/** runs one section over only its own keys */
export function loadSection<T>(section: ConfigSection<T>, values: ConfigObject, file: string | undefined): T {
  const own: ConfigObject = {};
  for (const key of section.keys) {
    if (values[key] !== undefined) own[key] = values[key];
  }
  return section.load(own, file);
}
