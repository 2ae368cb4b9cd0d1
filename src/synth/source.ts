/**
 * What every traffic source implements. `nextNs` is a lower bound on the capture time of
 * anything the source will still emit (Infinity when done); `step` emits the next frame(s), each
 * at or after `nextNs`, and advances it. The generator merges sources by `nextNs`.
 */
import type { LinkSpec } from './frames.js';
import type { Scenario } from './scenario.js';

/** called when the frame is written: its 1-based frame number and capture time (ns from start) */
export type OnWrite = (frame: number, ns: number) => void;

export type Emit = (ns: number, frame: Buffer, onWrite?: OnWrite) => void;

export interface Source {
  nextNs: number;
  step(emit: Emit): void;
}

export interface GenContext {
  scenario: Scenario;
  link: LinkSpec;
  /** timestamp resolution of the output file, ns (1000 for microseconds) */
  resolutionNs: number;
  /** next IPv4 identification */
  nextIpId(): number;
}

/** round a time down to the file's resolution, so truth uses exactly the written timestamps */
export function quantize(ctx: GenContext, ns: number): number {
  return Math.floor(ns / ctx.resolutionNs) * ctx.resolutionNs;
}

export function msToNs(ms: number): number {
  return Math.round(ms * 1e6);
}
