#!/usr/bin/env node
// Test-only stand-in for dumpcap (VOIPREADY_DUMPCAP): writes FAKE_DUMPCAP_FILE to stdout as dumpcap -w - would,
// then on SIGINT prints dumpcap's closing counts with FAKE_DUMPCAP_DROPS kernel drops and exits 0.
import { readFileSync } from 'node:fs';
const args = process.argv.slice(2);
const iface = args[args.indexOf('-i') + 1] ?? '?';
const drops = Number(process.env.FAKE_DUMPCAP_DROPS ?? '0');
process.stderr.write(`Capturing on '${iface}'\nFile: -\n`);
process.stdout.write(readFileSync(process.env.FAKE_DUMPCAP_FILE));
process.on('SIGINT', () => {
  process.stderr.write(`Packets captured: 100\nPackets received/dropped on interface '${iface}': ${100 + drops}/${drops} (pcap:${drops}/dumpcap:0/flushed:0/ps_ifdrop:1) (90.0%)\n`);
  process.exit(0);
});
setInterval(() => undefined, 1000);
