/**
 * `alg-echo --listen-http`: the echo's counters on /metrics, over real sockets on loopback (a random
 * SIP port, an ephemeral HTTP port). Bad input (one oversized datagram, two malformed ones, a flood
 * from one source) must show up as sent, and /metrics must equal the counters the echo itself prints
 * on SIGTERM; promtool accepts the exposition.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PAD, MAX_MESSAGE_BYTES } from '../../src/detect/alg-active/echo-protocol.js';
import { buildRegister } from '../../src/detect/alg-active/messages.js';
import { BIN } from '../helpers/cli.js';
import { parseExposition, waitFor } from '../helpers/prometheus.js';

const PORT = 20000 + Math.floor(Math.random() * 20000);
let echo: ChildProcess;
let stderr = '';
let metricsUrl = '';

beforeAll(async () => {
  echo = spawn(process.execPath, [BIN, 'alg-echo', '--listen', `127.0.0.1:${PORT}`, '--transport', 'udp', '--rate', '20', '--listen-http', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  echo.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  await waitFor(async () => /metrics on (http:\/\/\S+\/metrics)/.test(stderr), 15_000, () => `alg-echo did not start: ${stderr}`);
  metricsUrl = /metrics on (http:\/\/\S+\/metrics)/.exec(stderr)![1]!;
});
afterAll(() => {
  if (echo?.pid !== undefined && echo.exitCode === null) process.kill(echo.pid, 'SIGKILL');
});

async function blast(msgs: Buffer[], from: string, waitMs = 400): Promise<Buffer[]> {
  const s = createSocket('udp4');
  const got: Buffer[] = [];
  s.on('message', (m) => got.push(m));
  await new Promise<void>((r) => s.bind(0, from, () => r()));
  for (const m of msgs) s.send(m, PORT, '127.0.0.1');
  await new Promise((r) => setTimeout(r, waitMs));
  s.close();
  return got;
}

const register = (i: number): Buffer => Buffer.from(buildRegister({
  transport: 'udp', localAddress: '10.0.0.2', localPort: 5060, server: '127.0.0.1', serverPort: PORT,
  key: '00112233445566778899aabbccddeeff', token: `flood${String(i).padStart(19, '0')}`, rtpPort: 20000, pad: DEFAULT_PAD,
}), 'latin1');

describe('alg-echo --listen-http', () => {
  it('bad input and a flood are counted on /metrics exactly as the echo counts them', async () => {
    expect(await blast([Buffer.alloc(MAX_MESSAGE_BYTES + 100, 0x41), Buffer.from('\x00\x01garbage'), Buffer.from('INVITE nonsense\r\n\r\n')], '127.0.0.2')).toEqual([]);
    const replies = await blast(Array.from({ length: 100 }, (_, i) => register(i)), '127.0.0.3', 600);
    expect(replies.length).toBeGreaterThan(0);
    expect(replies.length).toBeLessThanOrEqual(25);
    const res = await fetch(metricsUrl);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const m = parseExposition(text);
    const outcome = (o: string): number | undefined => m.get(`voipready_alg_echo_messages_total|outcome=${o}`);
    expect(outcome('oversized')).toBe(1);
    expect(outcome('malformed')).toBe(2);
    expect(outcome('echoed')).toBe(replies.length);
    expect(m.get('voipready_alg_echo_answered_messages_total|')).toBe(replies.length);
    expect(outcome('rate_limited')).toBeGreaterThan(0);
    expect(m.get('voipready_alg_echo_sent_bytes_total|')).toBe(replies.reduce((a, r) => a + r.length, 0));
    expect(m.get('voipready_alg_echo_sources|')).toBe(2);
    if (existsSync('/usr/bin/promtool')) {
      const p = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(p.stdout + p.stderr).toBe('');
    }
    // the echo's own counters, printed on SIGTERM (no traffic since the scrape): the same numbers
    const exited = new Promise((r) => echo.once('exit', r));
    process.kill(echo.pid!, 'SIGTERM');
    await exited;
    const stats = JSON.parse(/stats (\{.*\})/.exec(stderr)![1]!);
    expect(outcome('rate_limited')).toBe(stats.rateLimited);
    expect(m.get('voipready_alg_echo_received_bytes_total|')).toBe(stats.bytesIn);
    expect(m.get('voipready_alg_echo_max_reply_growth_bytes|')).toBe(stats.maxReplyGrowth);
    const byOutcome = ['echoed', 'oversized', 'malformed', 'not_test', 'response_ignored', 'too_large_reply', 'rate_limited'].reduce((a, o) => a + (outcome(o) ?? NaN), 0);
    expect(byOutcome).toBe(stats.received);
  }, 60_000);
});
