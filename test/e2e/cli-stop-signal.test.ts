/**
 * Ctrl-C on the README's own live pipe (`tcpdump -w - | voipready analyze -`), issue 15: on SIGINT or
 * SIGTERM the CLI stops reading, finishes and prints the report of what was read, with the usual
 * exit code. The pipe here is a real one (a FIFO as the child's stdin, 64 KiB of kernel buffer), so
 * once our write of `sent` bytes returns, the child has read at least `sent - 64 KiB` of them; the
 * writer keeps the pipe open, as tcpdump does, so only the signal can end the read.
 *
 * Truth: the report equals `analyze` of a file holding exactly the packets the report says it read.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT, runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vrct-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sample = readFileSync(join(ROOT, 'fixtures', 'captures', 'sample-call.pcapng'));
const PIPE_BUFFER = 65536;

/** end offsets of the pcapng blocks, and which of them are packets (EPB) */
function blocks(buf: Buffer): Array<{ end: number; packet: boolean }> {
  const out: Array<{ end: number; packet: boolean }> = [];
  for (let off = 0; off + 8 <= buf.length;) {
    const type = buf.readUInt32LE(off);
    off += buf.readUInt32LE(off + 4);
    out.push({ end: off, packet: type === 6 });
  }
  return out;
}
const BLOCKS = blocks(sample);

/** packets wholly inside the first `bytes` bytes */
function packetsWithin(bytes: number): number {
  return BLOCKS.filter((b) => b.packet && b.end <= bytes).length;
}

/** the capture cut after its first `packets` packets, at a block boundary */
function firstPackets(packets: number): Buffer {
  let seen = 0;
  const cut = BLOCKS.find((b) => b.packet && ++seen === packets);
  return sample.subarray(0, cut?.end ?? 0);
}

let runs = 0;

interface Stopped { code: number | null; stdout: string; stderr: string }

/**
 * analyze on a FIFO, as stdin (`... | voipready analyze -`) or by its name (`analyze <(tcpdump -w -)`):
 * write `sent` bytes (more than the pipe holds), then signal the child
 */
async function analyzeAndSignal(sent: number, signal: NodeJS.Signals, args: string[], via: 'stdin' | 'path' = 'stdin'): Promise<Stopped> {
  const fifo = join(dir, `pipe-${++runs}`);
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  // for stdin: the read end without blocking (no writer yet), handed to the child
  const readEnd = via === 'stdin' ? openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK) : 'ignore';
  const writer = via === 'stdin' ? await open(fifo, 'w') : null;
  const child = spawn(process.execPath, [BIN, 'analyze', via === 'stdin' ? '-' : fifo, ...args], { cwd: ROOT, stdio: [readEnd, 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  if (typeof readEnd === 'number') closeSync(readEnd);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  // by name: our open waits until the child has opened the pipe for reading
  const out = writer ?? await open(fifo, 'w');
  try {
    await out.write(sample.subarray(0, sent)); // resolves once the child has drained all but 64 KiB
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await closed;
    clearTimeout(timer);
    return { code, stdout, stderr };
  } finally {
    await out.close(); // only now does the pipe end: the child must not have waited for it
  }
}

describe('SIGINT/SIGTERM on analyze - (a live pipe)', () => {
  // a cut in the middle of a packet block, well past the pipe's buffer
  const sent = BLOCKS[Math.floor(BLOCKS.length * 0.8)]!.end - 37;

  it.each(['SIGINT', 'SIGTERM'] as const)('%s: stops reading, prints the report of what was read, exit as usual', async (signal) => {
    const r = await analyzeAndSignal(sent, signal, ['--json']);
    expect(r.code).not.toBeNull(); // ended by itself, not killed by the signal
    const report = JSON.parse(r.stdout);
    const read = report.input.packets as number;
    expect(read).toBeGreaterThanOrEqual(packetsWithin(sent - PIPE_BUFFER));
    expect(read).toBeLessThanOrEqual(packetsWithin(sent));
    expect(read).toBeGreaterThan(0);
    // the packet cut by the stop is ours, not a truncated capture
    expect(report.input.error).toBeNull();
    expect(r.stderr).toContain(`${signal}: stopped reading after ${read} packets`);
    expect(report.input.stoppedBy).toBe(signal);
    expect(r.code).toBe(report.verdict === 'fail' ? 1 : 0);

    // the truth: analyze of a file with exactly those packets says the same
    const file = join(dir, `first-${signal}.pcapng`);
    writeFileSync(file, firstPackets(read));
    const ref = JSON.parse(runCli(['analyze', file, '--json']).stdout);
    expect(report.verdict).toBe(ref.verdict);
    const counts = (rep: { streams: Array<{ ssrc: string; packets: number; lost: number; jitterMeanMs: number }> }): unknown[] =>
      rep.streams.map((s) => [s.ssrc, s.packets, s.lost, s.jitterMeanMs]);
    expect(counts(report)).toEqual(counts(ref));
    expect(report.streams.length).toBeGreaterThan(0);
  });

  it('a named pipe given as the capture (analyze <(tcpdump -w -)): read as a stream, SIGTERM answered', async () => {
    const r = await analyzeAndSignal(sent, 'SIGTERM', ['--json'], 'path');
    expect(r.code).not.toBeNull();
    const report = JSON.parse(r.stdout);
    expect(report.input.packets).toBeGreaterThanOrEqual(packetsWithin(sent - PIPE_BUFFER));
    expect(report.input.packets).toBeLessThanOrEqual(packetsWithin(sent));
    expect(report.input.error).toBeNull();
    expect(r.stderr).toContain(`SIGTERM: stopped reading after ${report.input.packets} packets`);
  });

  it('a named pipe read to its end is analysed whole', async () => {
    const fifo = join(dir, 'whole');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const child = spawn(process.execPath, [BIN, 'analyze', fifo, '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const w = await open(fifo, 'w');
    await w.write(sample);
    await w.close();
    const code = await closed;
    const ref = runCli(['analyze', join(ROOT, 'fixtures', 'captures', 'sample-call.pcapng'), '--json']);
    expect(code).toBe(ref.status);
    const report = JSON.parse(stdout);
    expect(report.input.packets).toBe(packetsWithin(sample.length));
    expect(report.input.error).toBeNull();
    expect(report.streams.map((s: { packets: number }) => s.packets)).toEqual(JSON.parse(ref.stdout).streams.map((s: { packets: number }) => s.packets));
  });

  it('the terminal report too', async () => {
    const r = await analyzeAndSignal(sent, 'SIGINT', ['--no-color']);
    expect(r.stdout).toMatch(/verdict/i);
    expect(r.stderr).toMatch(/SIGINT: stopped reading after \d+ packets; the report covers what was read/);
    expect([0, 1]).toContain(r.code);
  });
});

/** the byte offset the process `pid` has reached in its open descriptor of `path`, or null */
function readOffset(pid: number, path: string): number | null {
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let target = '';
      try { target = readlinkSync(`/proc/${pid}/fd/${fd}`); } catch { continue; }
      if (target !== path) continue;
      const m = /^pos:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
      if (m !== null) return Number(m[1]);
    }
  } catch {
    return null;
  }
  return null;
}

describe('SIGINT on analyze of a large file', () => {
  it('stops within 16 MiB of where the signal came, and reports what was read', async () => {
    // 80 MB: the many-streams capture's records 300 times over (the reader yields every 16 MiB)
    const one = readFileSync(join(ROOT, 'fixtures', 'captures', 'many-streams.pcap'));
    const big = join(dir, 'big.pcap');
    writeFileSync(big, Buffer.concat([one.subarray(0, 24), ...Array.from({ length: 300 }, () => one.subarray(24))]));
    const total = 300 * JSON.parse(runCli(['analyze', join(ROOT, 'fixtures', 'captures', 'many-streams.pcap'), '--json']).stdout).input.packets;
    const size = statSync(big).size;
    const child = spawn(process.execPath, [BIN, 'analyze', big, '--json', '--no-progress'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    // signal once reading has begun, early enough that most of the file is still unread
    let at: number | null = null;
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 2))) {
      at = readOffset(child.pid!, big);
      if (at !== null && at > 0) break;
    }
    expect(at).not.toBeNull();
    child.kill('SIGINT');
    const code = await closed;
    rmSync(big, { force: true });
    expect(code).not.toBeNull();
    const report = JSON.parse(stdout);
    const read = report.input.packets as number;
    expect(stderr).toContain(`SIGINT: stopped reading after ${read} packets`);
    expect(report.input.error).toBeNull();
    expect(read).toBeGreaterThan(0);
    // the signal came early (within the first chunks), so the reader stopped at a 16 MiB turn, far from the end
    expect(at!).toBeLessThan(size - 32 * 1024 * 1024);
    expect(read).toBeLessThan(total);
    expect(code).toBe(report.verdict === 'fail' ? 1 : 0);
  }, 60_000);
});
