/** Reads the config file (`--config FILE`): JSON when the name ends in .json, YAML otherwise. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VoipreadyError } from '../errors.js';
import type { ConfigObject } from './values.js';

/** yaml is loaded only when a YAML config is read: most runs have none, and it costs ~40 ms to load */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as { parse(text: string): unknown };
  return yaml.parse(text);
}

/** the file's top-level mapping; an empty file is {}; anything else than a mapping is E_CONFIG */
export function readConfigFile(path: string): ConfigObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new VoipreadyError('E_CONFIG', `cannot read config: ${(err as Error).message}`, { file: path });
  }
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new VoipreadyError('E_CONFIG', `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { file: path });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new VoipreadyError('E_CONFIG', 'the config must be a mapping of settings', { file: path });
  }
  return value as ConfigObject;
}
