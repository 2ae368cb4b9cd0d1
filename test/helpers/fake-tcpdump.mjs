#!/usr/bin/env node
// Test-only stand-in for tcpdump (VOIPREADY_TCPDUMP, or the command of startTcpdumpCapture): says it is
// listening, writes FAKE_TCPDUMP_FILE (or FAKE_TCPDUMP_FILE_<interface>) to stdout as `tcpdump -w -` would, answers each SIGUSR1 with
// tcpdump 4.99's one-line counts (each time 10 more received, 1 more dropped by the kernel; 2 by the
// interface once it dropped), and on SIGINT prints the four-line form and exits 0. A classic pcap is
// moved to the present (its first packet now), as a live capture's would be, so its streams are live.
import { readFileSync } from 'node:fs';
const args = process.argv.slice(2);
const iface = args[args.indexOf('-i') + 1] ?? '?';
let asked = 0;
const counts = () => ({ received: 10 * asked, dropped: asked, captured: 9 * asked, ifDropped: asked > 0 ? 2 : 0 });
process.stderr.write(`tcpdump: listening on ${iface}, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n`);
/** little-endian classic pcap (usec or nsec): every record's seconds shifted so the first is now */
function toNow(buf) {
  const magic = buf.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) return buf;
  const out = Buffer.from(buf);
  const shift = Math.floor(Date.now() / 1000) - out.readUInt32LE(24);
  for (let off = 24; off + 16 <= out.length; off += 16 + out.readUInt32LE(off + 8)) out.writeUInt32LE(out.readUInt32LE(off) + shift, off);
  return out;
}
// FAKE_TCPDUMP_FILE_<interface>: this interface's capture (several stand-ins at once), else FAKE_TCPDUMP_FILE
const file = process.env[`FAKE_TCPDUMP_FILE_${iface}`] ?? process.env.FAKE_TCPDUMP_FILE;
if (file) process.stdout.write(toNow(readFileSync(file)));
process.on('SIGUSR1', () => {
  asked++;
  const c = counts();
  process.stderr.write(`tcpdump: ${c.captured} packets captured, ${c.received} packets received by filter, ${c.dropped} packets dropped by kernel, ${c.ifDropped} packets dropped by interface\n`);
});
process.on('SIGINT', () => {
  const c = counts();
  process.stderr.write(`${c.captured} packets captured\n${c.received} packets received by filter\n${c.dropped} packets dropped by kernel\n${c.ifDropped} packets dropped by interface\n`);
  process.exit(0);
});
setInterval(() => undefined, 1000);
