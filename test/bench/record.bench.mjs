#!/usr/bin/env node
// The recorder's own cost, next to the work it sits beside, in one run: 200,000 G.711 RTP datagrams
// (a proxy's 1,000 calls for 1 s each way) pushed into the analyzer's datagram entry alone, then
// with the recording tap (the raw-IP packet built, checksummed, queued and written), and the
// recorder alone. Prints CPU microseconds per packet for each and whether the recorder dropped.
// Alone: `node test/bench/record.bench.mjs [packets]` after `npm run build`.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = resolve(process.env.VOIPREADY_DIST ?? new URL('../../dist', import.meta.url).pathname);
const { Analyzer } = await import(pathToFileURL(`${dist}/pipeline/analyzer.js`).href);
const { Recording } = await import(pathToFileURL(`${dist}/outputs/record/recording.js`).href);
const { loadSettings } = await import(pathToFileURL(`${dist}/config/load-settings.js`).href);
const settings = loadSettings();

const N = Number(process.argv[2] ?? 200_000);
const CALLS = 1000;
const dir = mkdtempSync(join(tmpdir(), 'vr-record-bench-'));

function datagrams() {
  const payload = Buffer.alloc(172, 0xd5);
  payload[0] = 0x80;
  payload[1] = 8;
  const list = [];
  for (let i = 0; i < N; i++) {
    const call = i % CALLS;
    const seq = Math.floor(i / CALLS);
    const p = Buffer.from(payload);
    p.writeUInt16BE(seq & 0xffff, 2);
    p.writeUInt32BE((seq * 160) >>> 0, 4);
    p.writeUInt32BE(call + 1, 8);
    const ms = 1_800_000_000_000 + seq * 20;
    list.push({
      src: `10.0.${call >> 8}.${call & 255}`, srcPort: 20000 + 2 * (call % 1000), dst: '192.0.2.1', dstPort: 40000 + 2 * call,
      transport: 'udp', tsSec: Math.floor(ms / 1000), tsNsec: (ms % 1000) * 1e6, dscp: 46, payload: p, source: 'proxy:a-leg', wireBytes: 200,
    });
  }
  return list;
}

/** CPU of the whole process (the disk writes on libuv's threads included), pushing in batches of
 * 1,000 with a turn of the event loop between them, as the relay hands its records over */
async function cpuUs(list, push, settle = async () => undefined) {
  const t = process.cpuUsage();
  for (let i = 0; i < list.length; i += 1000) {
    for (let j = i; j < Math.min(list.length, i + 1000); j++) push(list[j]);
    await new Promise((r) => setImmediate(r));
  }
  await settle();
  const d = process.cpuUsage(t);
  return d.user + d.system;
}

async function round(list) {
  const plain = new Analyzer({ file: 'bench', settings });
  const a = await cpuUs(list, (d) => plain.pushDatagram(d));
  const tapped = new Analyzer({ file: 'bench', settings });
  const rec1 = new Recording({ path: join(dir, 'tapped.pcapng'), maxBytes: null, maxAgeMs: null, keep: null }, () => undefined);
  rec1.tapDatagrams(tapped);
  const b = await cpuUs(list, (d) => tapped.pushDatagram(d), () => rec1.close());
  const rec2 = new Recording({ path: join(dir, 'alone.pcapng'), maxBytes: null, maxAgeMs: null, keep: null }, () => undefined);
  const c = await cpuUs(list, (d) => rec2.recorder.datagram(d), () => rec2.close());
  return { analysis: a / N, withRecording: b / N, recorder: c / N, dropped: rec1.stats.dropped + rec2.stats.dropped, bytes: statSync(join(dir, 'alone.pcapng')).size };
}

const list = datagrams();
try {
  for (let r = 1; r <= 3; r++) {
    const x = await round(list);
    console.log(`round ${r}: analysis ${x.analysis.toFixed(2)} us/packet, analysis + --record ${x.withRecording.toFixed(2)} us/packet, recorder alone ${x.recorder.toFixed(2)} us/packet; ${x.dropped} dropped, ${(x.bytes / 1e6).toFixed(1)} MB written`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
