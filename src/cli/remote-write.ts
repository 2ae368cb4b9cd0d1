/**
 * Wires `--remote-write` into the commands that produce metrics: a writer on the command's registry,
 * sampled once per second of (replayed) capture time through the pipeline's onSecond, or once per
 * wall-clock second when nothing is being replayed. Its log lines go to stderr.
 */
import type { Registry } from 'prom-client';
import type { Analyzer } from '../pipeline/analyzer.js';
import { pushSettingsFromOptions, type RemoteWriteCliOptions } from '../config/options/index.js';
import type { Settings } from '../config/settings.js';
import { createRemoteWriter, remoteWriteListener } from '../outputs/remote-write/index.js';

export interface PushHandle {
  stop(): Promise<void>;
}

export function startRemoteWrite(
  opts: RemoteWriteCliOptions,
  settings: Settings,
  registry: Registry,
  analyzer: Analyzer,
  clock: 'capture' | 'wall',
): PushHandle | null {
  const push = pushSettingsFromOptions(opts, settings);
  if (push.targets.length === 0) return null;
  const writer = createRemoteWriter({
    targets: push.targets,
    registry,
    externalLabels: settings.externalLabels,
    pushIntervalSeconds: push.pushIntervalSeconds,
    stateDir: push.stateDir,
    // the writer's lines already start with "remote_write"
    log: (line) => process.stderr.write(`voipready: ${line}\n`),
  });
  writer.start();
  let timer: NodeJS.Timeout | null = null;
  if (clock === 'capture') {
    analyzer.addListener(remoteWriteListener(writer));
  } else {
    timer = setInterval(() => void writer.sample(Math.floor(Date.now() / 1000) * 1000), 1000);
    timer.unref();
  }
  process.stderr.write(`voipready: pushing metrics to ${push.targets.length} remote_write target(s) every ${push.pushIntervalSeconds} s\n`);
  return {
    async stop() {
      if (timer !== null) clearInterval(timer);
      await writer.stop();
    },
  };
}
