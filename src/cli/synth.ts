/**
 * `voipready synth SCENARIO.json OUT` — writes a synthetic capture with known truth (calls, loss,
 * jitter, DSCP, ports, SIP over UDP/TCP, IPv6, VLAN), the generator the tests and benchmarks use.
 * Handy to try the analysis, the dashboards or a Prometheus setup without a lab.
 */
import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { writeOutputFile } from './write-output.js';
import { VoipreadyError } from '../errors.js';
import { defineScenario, generateCapture, truthToJSON } from '../synth/index.js';
import { exitCodeOf } from './command.js';

interface SynthOptions {
  format?: 'pcap' | 'pcapng';
  truth?: string;
}

export function register(program: Command): void {
  program
    .command('synth')
    .description('write a synthetic capture with known truth from a scenario (see fixtures/synthetic/*.json)')
    .argument('<scenario>', 'scenario JSON: the "scenario" object of fixtures/synthetic/*.json, or such a whole file')
    .argument('<out>', 'capture file to write')
    .addOption(new Option('--format <format>', 'capture format').choices(['pcap', 'pcapng']).default('pcap'))
    .option('--truth <file>', 'also write the truth (per stream and call) as JSON')
    .action(exitCodeOf((scenarioPath: string, out: string, opts: SynthOptions) => {
      const scenario = readScenario(scenarioPath);
      let truth: ReturnType<typeof generateCapture>;
      try {
        truth = generateCapture(defineScenario(scenario), out, opts.format ?? 'pcap');
      } catch (err) {
        throw new VoipreadyError('E_CONFIG', `cannot generate: ${(err as Error).message}`, { file: scenarioPath });
      }
      if (opts.truth !== undefined) writeOutputFile(opts.truth, truthToJSON(truth), 'the truth file (--truth)');
      process.stderr.write(`voipready: wrote ${out}: ${truth.frames} packets, ${truth.streams.length} streams, ${truth.calls.length} calls\n`);
      return 0;
    }));
}

function readScenario(path: string): Parameters<typeof defineScenario>[0] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new VoipreadyError('E_CONFIG', `cannot read the scenario: ${(err as Error).message}`, { file: path });
  }
  const v = value as { scenario?: unknown };
  return ((v && typeof v === 'object' && 'scenario' in v ? v.scenario : value) ?? {}) as Parameters<typeof defineScenario>[0];
}
