/**
 * Typed readers for config-file values. Each names the key and the file when the value is wrong
 * (E_CONFIG); an absent key is `undefined`, so every section writes its own default next to it.
 */
import { VoipreadyError } from '../errors.js';

export type ConfigObject = Record<string, unknown>;

export function str(o: ConfigObject, key: string, file: string | undefined): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') bad(file, `${key} must be a string`);
  return String(v);
}

export function num(o: ConfigObject, key: string, file: string | undefined): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0)) bad(file, `${key} must be a number above zero`);
  return v;
}

/** a mapping of Prometheus label names to values */
export function labelRecord(v: unknown, key: string, file: string | undefined): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(file, `${key} must be a mapping of label names to values`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as ConfigObject)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) bad(file, `${key}: "${k}" is not a valid Prometheus label name`);
    out[k] = String(val);
  }
  return out;
}

export function bad(file: string | undefined, message: string): never {
  throw new VoipreadyError('E_CONFIG', message, file === undefined ? {} : { file });
}
