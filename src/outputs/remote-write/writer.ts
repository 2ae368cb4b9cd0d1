/**
 * remote_write: snapshots of a prom-client Registry, taken when the caller says (once per capture
 * second in replay, once per wall second in serve), queued with their own timestamps and pushed to
 * one or more receivers every push interval, off the analysis path.
 *
 * Nothing is lost while a receiver is down: the queue (memory, mirrored under stateDir) keeps the
 * samples in order and retries with exponential backoff and jitter on network errors, 5xx and 429.
 * Other 4xx are reported and not retried. A full queue drops its oldest samples and counts them.
 */
import type { Registry } from 'prom-client';
import type { AnalysisListener } from '../../pipeline/events.js';
import type { RemoteWriteTarget } from '../../config/settings.js';
import { backoffDelayMs } from './backoff.js';
import { snapshotsToSeries } from './batch.js';
import { DiskQueue, targetKey } from './disk-queue.js';
import { createPoster, type Poster, type PostResult } from './http-client.js';
import { compressBody, encodeWriteRequest } from './proto.js';
import { SampleQueue } from './queue.js';
import { RemoteWriteMetrics } from './self-metrics.js';
import { SeriesTable } from './series-table.js';
import { CollectCache, readRegistry } from './snapshot.js';
import { isoTime } from '../../model/iso-time.js';

export interface RemoteWriterOptions {
  targets: RemoteWriteTarget[];
  registry: Registry;
  externalLabels: Record<string, string>;
  pushIntervalSeconds: number;
  /** how often the caller samples (informational; default 1) */
  sampleIntervalSeconds?: number;
  stateDir: string | null;
  /** queue bound in samples (default 1,000,000: about 12 MB) */
  maxQueuedSamples?: number;
  /** samples per HTTP request (default 2000, Prometheus' own max_samples_per_send) */
  maxSamplesPerSend?: number;
  log: (line: string) => void;
  /** where the self-metrics go (default: `registry`, so they are pushed too) */
  selfMetricsRegistry?: Registry;
  now?: () => number;
  userAgent?: string;
  /** backoff bounds (defaults 250 ms .. 10 s) */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** how often the disk mirror is written and fsync'ed (default 1000 ms) */
  diskFlushMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface TargetStats {
  name: string;
  sent: number;
  failed: number;
  dropped: number;
  pending: number;
  lastSuccessMs: number | null;
  failing: boolean;
  lastError: string | null;
}

export interface RemoteWriterStats {
  queuedSamples: number;
  targets: TargetStats[];
}

export interface RemoteWriter {
  /** snapshot every series of the registry at this timestamp into the queue (never waits for the network) */
  sample(timestampMs: number): Promise<void>;
  start(): void;
  /** push what can be pushed within the deadline, persist the rest (with stateDir), release everything */
  stop(deadlineMs?: number): Promise<void>;
  readonly stats: RemoteWriterStats;
  /** kill -9 for tests: stop timers and drop the unflushed disk buffer without writing anything */
  abandon(): void;
}

interface TargetState extends TargetStats {
  index: number;
  key: string;
  poster: Poster;
  attempt: number;
  failingSinceMs: number;
  timer: NodeJS.Timeout | null;
  busy: Promise<void> | null;
  tooOldReported: boolean;
  lastRetryDelayMs: number;
}

/** the label table is rebuilt once it knows this many series and nothing is queued */
const TABLE_RESET_SERIES = 20_000;

export function createRemoteWriter(opts: RemoteWriterOptions): RemoteWriter {
  return new Writer(opts);
}

/**
 * The pipeline adapter: one snapshot per capture second, stamped with that second, and a last one
 * at the end of the capture (stamped with its last packet's time), because the listeners' onEnd
 * still moves the counters (streams that lived and died between two seconds, final totals): the
 * last pushed value must be the value /metrics shows once the analysis is over. Subscribe it after
 * the metrics listener (the bus calls listeners in the order they were added).
 */
export function remoteWriteListener(writer: RemoteWriter): AnalysisListener {
  let lastMs = -Infinity;
  return {
    onSecond(epochSec) {
      lastMs = epochSec * 1000;
      void writer.sample(lastMs);
    },
    onEnd(_report, view) {
      const endMs = Math.max(Math.floor(view.nowEpochMs()), lastMs + 1);
      if (Number.isFinite(endMs)) void writer.sample(endMs);
    },
  };
}

class Writer implements RemoteWriter {
  private readonly table = new SeriesTable();
  /** process/Node metrics (filled in collect()) are read at most twice per wall second */
  private readonly collected = new CollectCache();
  private readonly queue: SampleQueue;
  private readonly targets: TargetState[];
  private readonly metrics: RemoteWriteMetrics;
  private readonly disk: DiskQueue | null = null;
  private readonly now: () => number;
  private readonly abort = new AbortController();
  private nextSeq = 0;
  private lastTimestampMs = -Infinity;
  private persistedSeq = -1;
  private chain: Promise<void> = Promise.resolve();
  private diskTimer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private dropLogged = false;
  private inflightReads = 0;

  constructor(private readonly opts: RemoteWriterOptions) {
    this.now = opts.now ?? Date.now;
    const ua = opts.userAgent ?? 'voipready';
    this.targets = dedupe(opts.targets).map((t, index) => ({
      index, key: targetKey(t.url), poster: createPoster(t, ua, opts.env), name: '', sent: 0, failed: 0, dropped: 0, pending: 0,
      lastSuccessMs: null, failing: false, lastError: null, attempt: 0, failingSinceMs: 0, timer: null, busy: null, tooOldReported: false, lastRetryDelayMs: 0,
    }));
    for (const t of this.targets) t.name = t.poster.name;
    this.queue = new SampleQueue(opts.maxQueuedSamples ?? 1_000_000, this.targets.length);
    this.metrics = new RemoteWriteMetrics(opts.selfMetricsRegistry ?? opts.registry, this.targets.map((t) => ({
      name: t.name,
      pending: () => this.queue.pending(t.index),
      oldestPendingMs: () => this.queue.oldestPending(t.index),
      lastSuccessMs: () => t.lastSuccessMs,
    })), this.now);
    if (opts.stateDir !== null) this.disk = this.restore(opts.stateDir);
  }

  get stats(): RemoteWriterStats {
    return {
      queuedSamples: this.queue.samples,
      targets: this.targets.map((t) => ({
        name: t.name, sent: t.sent, failed: t.failed, dropped: t.dropped, pending: this.queue.pending(t.index),
        lastSuccessMs: t.lastSuccessMs, failing: t.failing, lastError: t.lastError,
      })),
    };
  }

  sample(timestampMs: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.inflightReads === 0 && this.queue.length === 0 && this.table.size > TABLE_RESET_SERIES) {
      // nothing queued or being read refers to an old id: forget series that went away (bounded memory)
      this.table.clear();
      this.collected.clear();
    }
    const seq = this.nextSeq++;
    let read: ReturnType<typeof readRegistry>;
    try {
      read = readRegistry(this.opts.registry, this.opts.externalLabels, this.table, timestampMs, seq, this.collected);
    } catch (err) {
      this.opts.log(`remote_write: cannot read the metrics registry: ${(err as Error).message}`);
      return Promise.resolve();
    }
    if (!(read instanceof Promise) && this.inflightReads === 0) {
      // the usual case: read and queued now, in the caller's turn (a synchronous reader never yields)
      this.enqueue(read.timestampMs, read);
      return Promise.resolve();
    }
    // snapshots are queued in call order, whatever order their reads settle in
    this.inflightReads++;
    this.chain = this.chain.then(() => read).then((snap) => this.enqueue(snap.timestampMs, snap), (err: unknown) => {
      this.opts.log(`remote_write: cannot read the metrics registry: ${(err as Error).message}`);
    }).finally(() => {
      this.inflightReads--;
    });
    return this.chain;
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    for (const t of this.targets) this.schedule(t, this.opts.pushIntervalSeconds * 1000);
    if (this.disk !== null) {
      this.diskTimer = setInterval(() => this.persist(), this.opts.diskFlushMs ?? 1000);
      this.diskTimer.unref();
    }
  }

  async stop(deadlineMs = 5000): Promise<void> {
    if (this.stopped) return;
    await this.chain;
    this.stopped = true;
    this.running = false;
    for (const t of this.targets) this.clearTimer(t);
    const deadline = setTimeout(() => this.abort.abort(), deadlineMs);
    try {
      await Promise.all(this.targets.map(async (t) => {
        if (t.busy !== null) await t.busy;
        if (!this.abort.signal.aborted) await this.pump(t, true);
      }));
    } finally {
      clearTimeout(deadline);
      if (this.diskTimer !== null) clearInterval(this.diskTimer);
      this.persist(true);
      for (const t of this.targets) this.reportLeftovers(t);
      await Promise.all(this.targets.map((t) => t.poster.close().catch(() => undefined)));
    }
  }

  abandon(): void {
    this.stopped = true;
    this.running = false;
    this.abort.abort();
    for (const t of this.targets) this.clearTimer(t);
    if (this.diskTimer !== null) clearInterval(this.diskTimer);
    this.disk?.abandon();
  }

  private enqueue(timestampMs: number, snap: Parameters<SampleQueue['push']>[0]): void {
    if (timestampMs <= this.lastTimestampMs) {
      this.opts.log(`remote_write: sample at ${isoTime(timestampMs)} is not after the previous one; skipped (samples must keep their order)`);
      return;
    }
    this.lastTimestampMs = timestampMs;
    const dropped = this.queue.push(snap);
    dropped.forEach((n, i) => {
      const t = this.targets[i];
      if (t === undefined || n === 0) return;
      t.dropped += n;
      this.metrics.count(t.name, 'dropped', n);
      if (!this.dropLogged) {
        this.dropLogged = true;
        this.opts.log(`remote_write: queue full (${this.queue.maxSamples} samples); dropping the oldest samples, counted in voipready_remote_write_samples_total{result="dropped"}`);
      }
    });
  }

  private schedule(t: TargetState, delayMs: number): void {
    this.clearTimer(t);
    if (!this.running) return;
    t.timer = setTimeout(() => {
      t.timer = null;
      t.busy = this.pump(t, false).finally(() => {
        t.busy = null;
        const delay = t.failing ? t.lastRetryDelayMs : this.opts.pushIntervalSeconds * 1000;
        this.schedule(t, delay);
      });
    }, delayMs);
    t.timer.unref();
  }

  private clearTimer(t: TargetState): void {
    if (t.timer !== null) clearTimeout(t.timer);
    t.timer = null;
  }

  /** send batches until this target is caught up, a retryable failure happens, or we are told to stop */
  private async pump(t: TargetState, final: boolean): Promise<void> {
    for (;;) {
      if (this.abort.signal.aborted) return;
      const batch = this.queue.peek(t.index, this.opts.maxSamplesPerSend ?? 2000);
      if (batch === null) return;
      const body = compressBody(encodeWriteRequest(snapshotsToSeries(batch.snapshots, this.table)));
      const res = await t.poster.post(body, this.abort.signal);
      if (res.ok) {
        this.delivered(t, batch.samples);
      } else if (res.retry) {
        this.failedRetryable(t, res, final);
        return;
      } else {
        this.rejected(t, res, batch.samples);
      }
      this.queue.ack(t.index, batch.lastSeq);
    }
  }

  private delivered(t: TargetState, samples: number): void {
    t.sent += samples;
    t.lastSuccessMs = this.now();
    this.metrics.count(t.name, 'sent', samples);
    if (t.failing) {
      const secs = Math.round((this.now() - t.failingSinceMs) / 1000);
      this.opts.log(`remote_write ${t.name}: pushing recovered after ${secs} s; sending the ${this.queue.pending(t.index)} queued samples`);
    }
    t.failing = false;
    t.attempt = 0;
    t.lastError = null;
  }

  private failedRetryable(t: TargetState, res: Extract<PostResult, { ok: false }>, final: boolean): void {
    if (!t.failing) {
      t.failing = true;
      t.failingSinceMs = this.now();
      const what = final ? 'keeping the samples' : 'queueing samples and retrying with backoff';
      this.opts.log(`remote_write ${t.name}: pushing failed: ${res.message}; ${what}`);
    }
    t.lastError = res.message;
    t.lastRetryDelayMs = Math.max(res.retryAfterMs ?? 0, backoffDelayMs(t.attempt++, this.opts.minBackoffMs ?? 250, this.opts.maxBackoffMs ?? 10_000));
  }

  /** 4xx other than 429: the receiver will never take this batch; count it and move on */
  private rejected(t: TargetState, res: Extract<PostResult, { ok: false }>, samples: number): void {
    t.failed += samples;
    t.lastError = res.message;
    this.metrics.count(t.name, 'failed', samples);
    if (res.tooOld) {
      if (!t.tooOldReported) {
        t.tooOldReported = true;
        this.opts.log(`remote_write ${t.name}: the receiver refuses these samples as too old (${res.message}). ` +
          'Prometheus only takes samples newer than its head block (about the last hour or two); for an older capture use ' +
          '`voipready analyze --openmetrics FILE > capture.om` and `promtool tsdb create-blocks-from openmetrics capture.om DATA_DIR` to backfill.');
      }
      return;
    }
    this.opts.log(`remote_write ${t.name}: receiver rejected ${samples} samples (${res.message}); not retried`);
  }

  private persist(final = false): void {
    if (this.disk === null) return;
    for (const s of this.queue.entries()) {
      if (s.seq > this.persistedSeq) {
        this.disk.append(s, this.table);
        this.persistedSeq = s.seq;
      }
    }
    const next: Record<string, number> = {};
    for (const t of this.targets) next[t.key] = this.queue.nextSeq(t.index);
    try {
      if (final) this.disk.close(next);
      else this.disk.flush(next);
    } catch (err) {
      this.opts.log(`remote_write: cannot write the queue to ${this.disk.dir}: ${(err as Error).message}`);
    }
  }

  /** read back what a previous run queued; each target resumes where it stopped */
  private restore(dir: string): DiskQueue {
    const { disk, restored } = DiskQueue.open(dir, this.table, this.opts.log);
    const first = restored.snapshots[0]?.seq ?? restored.nextSeq;
    this.nextSeq = restored.nextSeq;
    for (const t of this.targets) this.queue.seek(t.index, restored.next[t.key] ?? first);
    for (const s of restored.snapshots) this.enqueue(s.timestampMs, s);
    this.persistedSeq = restored.nextSeq - 1;
    if (restored.snapshots.length > 0) {
      this.opts.log(`remote_write: ${this.queue.samples} samples from a previous run queued in ${dir}; sending them first`);
    }
    return disk;
  }

  private reportLeftovers(t: TargetState): void {
    const left = this.queue.pending(t.index);
    if (left === 0) return;
    const where = this.disk !== null ? `kept in ${this.disk.dir} for the next start` : 'lost (no --state-dir)';
    this.opts.log(`remote_write ${t.name}: ${left} samples not delivered${t.lastError !== null ? ` (${t.lastError})` : ''}; ${where}`);
  }
}

function dedupe(targets: RemoteWriteTarget[]): RemoteWriteTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => !seen.has(t.url) && seen.add(t.url) !== undefined);
}
