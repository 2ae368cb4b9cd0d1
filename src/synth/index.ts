/** The synthetic capture generator: scenarios in, pcap/pcapng out, with the known truth. */
export { generateCapture, buildSources, makeContext } from './generate.js';
export type { Built } from './generate.js';
export { defineScenario, defineGroup, callStartMs } from './scenario.js';
export type {
  Scenario, ScenarioInput, CallGroup, CallGroupInput, DirectionSpec, DirectionInput, SipSpec, LossModel, JitterModel,
  DtmfBurst, Codec,
} from './scenario.js';
export { truthToJSON, jitterStep, StreamTruthAcc } from './truth.js';
export type { Truth, StreamTruth, CallTruth } from './truth.js';
export { PcapWriter } from './pcap-writer.js';
export type { PcapWriterOptions } from './pcap-writer.js';
export { PcapngWriter, splitTimestamp } from './pcapng-writer.js';
export type { PcapngWriterOptions, PcapngInterface } from './pcapng-writer.js';
export { Rng } from './prng.js';
export * from './frames.js';
export * from './media.js';
export * from './sip.js';
export { internetChecksum } from './checksum.js';
export { generatePair, defineSegment, pairTruthToJSON, delaySummaryMs, nearestRank, DEFAULT_SEGMENT } from './pair.js';
export type { PairSpec, SegmentSpec, PairTruth, PairStreamTruth } from './pair.js';
