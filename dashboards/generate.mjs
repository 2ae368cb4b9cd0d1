#!/usr/bin/env node
// Generates the Grafana dashboards in dashboards/grafana/ (run: node dashboards/generate.mjs).
// Kept as code so every panel is built the same way: datasource as a variable, stable uids,
// the VoIP-Ready limits drawn as thresholds. test/unit/outputs/prometheus/dashboards.test.ts checks
// that the committed JSON equals this output and that every query names metrics we expose;
// test/e2e/prometheus*.test.ts runs every query against a real Prometheus.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DS = { type: 'prometheus', uid: '${datasource}' };
const SEL = 'site=~"$site"';
const DRILL = 'site=~"$site",peer=~"$peer",codec=~"$codec",direction=~"$direction"';

function variables(drill) {
  const q = (name, query, label) => ({
    name, label, type: 'query', datasource: DS, query: { query, refId: `${name}-var` }, definition: query,
    includeAll: true, multi: true, allValue: '.*', current: { text: 'All', value: '$__all' }, refresh: 2, sort: 1,
  });
  const list = [
    { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0 },
    q('site', 'label_values(voipready_threshold_jitter_seconds, site)', 'Site'),
  ];
  if (drill) {
    list.push(q('peer', 'label_values(voipready_rtp_streams_started_total{site=~"$site"}, peer)', 'Peer'));
    list.push(q('codec', 'label_values(voipready_rtp_streams_started_total{site=~"$site"}, codec)', 'Codec'));
    list.push(q('direction', 'label_values(voipready_rtp_streams_started_total{site=~"$site"}, direction)', 'Direction'));
  }
  return { list };
}

/** thresholds: green below warn, orange to the limit, red above (limit in the panel's unit) */
function limitSteps(limit, warnFraction = 0.8) {
  return {
    mode: 'absolute',
    steps: [
      { color: 'green', value: null },
      { color: 'orange', value: +(limit * warnFraction).toPrecision(6) },
      { color: 'red', value: limit },
    ],
  };
}

let nextId = 1;
function panel(kind, title, description, targets, grid, fieldConfig = {}, options = {}) {
  return {
    id: nextId++, type: kind, title, description, datasource: DS, gridPos: grid,
    targets: targets.map(([expr, legendFormat, extra = {}], i) => ({
      refId: String.fromCharCode(65 + i), datasource: DS, expr, legendFormat, ...extra,
    })),
    fieldConfig: { defaults: { ...fieldConfig }, overrides: [] },
    options,
  };
}

function timeseries(title, description, targets, grid, unit, limit) {
  const defaults = { unit, custom: { drawStyle: 'line', lineWidth: 2, fillOpacity: 5 } };
  if (limit !== undefined) {
    defaults.thresholds = limitSteps(limit);
    defaults.custom.thresholdsStyle = { mode: 'line+area' };
  }
  return panel('timeseries', title, description, targets, grid, defaults, { legend: { displayMode: 'table', placement: 'bottom', calcs: ['max', 'lastNotNull'] } });
}

function stat(title, description, targets, grid, unit, thresholds, extra = {}) {
  return panel('stat', title, description, targets, grid, { unit, ...(thresholds ? { thresholds } : {}), ...(extra.fieldConfig ?? {}) },
    { reduceOptions: { calcs: ['lastNotNull'] }, colorMode: 'background', graphMode: 'area', ...(extra.options ?? {}) });
}

const rate = (metric, sel) => `rate(${metric}{${sel}}[$__rate_interval])`;
const p95 = (metric, sel, by = '') => `histogram_quantile(0.95, sum by (le${by}) (${rate(`${metric}_bucket`, sel)}))`;

function overview() {
  nextId = 1;
  const panels = [
    stat('Streams by verdict', 'RTP streams seen, by their verdict against the VoIP-Ready limits (fail = red).',
      [[`sum by (verdict) (voipready_streams{${SEL}})`, '{{verdict}}']], { x: 0, y: 0, w: 8, h: 5 }, 'short'),
    stat('Active calls', 'SIP calls set up or in progress.', [[`sum(voipready_calls_active{${SEL}})`, 'calls']], { x: 8, y: 0, w: 4, h: 5 }, 'short'),
    stat('Active streams', 'RTP streams with a recent packet.', [[`sum(voipready_streams_active{${SEL}})`, 'streams']], { x: 12, y: 0, w: 4, h: 5 }, 'short'),
    stat('Worst stream jitter now', 'Highest current jitter of an active stream; limit 20 ms.',
      [[`max(voipready_stream_jitter_seconds{${SEL}})`, 'jitter']], { x: 16, y: 0, w: 4, h: 5 }, 's', limitSteps(0.02)),
    stat('Worst stream loss now', 'Highest loss ratio of an active stream; limit 3 %.',
      [[`max(voipready_stream_loss_ratio{${SEL}})`, 'loss']], { x: 20, y: 0, w: 4, h: 5 }, 'percentunit', limitSteps(0.03)),
    timeseries('Jitter p95 vs limit', 'RFC 3550 interarrival jitter, 95th percentile over streams and seconds, with the configured limit.',
      [[p95('voipready_rtp_jitter_seconds', SEL), 'p95 jitter'], [`max(voipready_threshold_jitter_seconds{${SEL}})`, 'limit']],
      { x: 0, y: 5, w: 12, h: 8 }, 's', 0.02),
    timeseries('Packet loss vs limit', 'Lost / expected RTP packets over all streams, with the configured limit.',
      [[`sum(${rate('voipready_rtp_packets_lost_total', SEL)}) / sum(${rate('voipready_rtp_packets_expected_total', SEL)})`, 'loss'],
        [`max(voipready_threshold_loss_ratio{${SEL}})`, 'limit']],
      { x: 12, y: 5, w: 12, h: 8 }, 'percentunit', 0.03),
    timeseries('One-way delay p95 vs limit', 'Network one-way delay of streams whose delay is measured, by method (rtcp-rtt: RTCP round trip / 2, assumes a symmetric path; rtcp-ntp: SR clock vs capture clock; two-point: per packet between two captures; stamp: STAMP probe; proxy-rtcp: the round trip of each segment / 2 plus the delay the proxy adds), with the limit.',
      [[p95('voipready_rtp_one_way_delay_seconds', SEL, ', method'), 'p95 delay {{method}}'], [`max(voipready_threshold_one_way_delay_seconds{${SEL}})`, 'limit']],
      { x: 0, y: 13, w: 12, h: 8 }, 's', 0.05),
    timeseries('Calls', 'Calls started and ended per interval, by final state.',
      [[`sum(increase(voipready_sip_calls_started_total{${SEL}}[$__rate_interval]))`, 'started'],
        [`sum by (state) (increase(voipready_sip_calls_ended_total{${SEL}}[$__rate_interval]))`, 'ended {{state}}']],
      { x: 12, y: 13, w: 12, h: 8 }, 'short'),
    timeseries('Call setup time p95', 'INVITE to 200 OK, 95th percentile.',
      [[p95('voipready_sip_call_setup_seconds', SEL), 'p95 setup']], { x: 0, y: 21, w: 8, h: 7 }, 's'),
    timeseries('DSCP violations', 'RTP packets per second not marked with the DSCP the profile wants (EF).',
      [[`sum by (peer) (${rate('voipready_rtp_dscp_mismatch_packets_total', SEL)})`, '{{peer}}']], { x: 8, y: 21, w: 8, h: 7 }, 'pps'),
    timeseries('RTP port range violations and SIP ALG/NAT findings', 'Streams outside the RTP port range; SIP ALG and NAT findings of the passive detector by code (SIP_ALG_REWRITE, NAT_PRIVATE_ADDRESS_IN_SIP/SDP, SIP_CONTENT_LENGTH_MISMATCH, RTP_FROM_UNSIGNALLED_ADDRESS, SDP_PORT_MISMATCH, ...).',
      [[`sum(increase(voipready_rtp_streams_port_out_of_range_total{${SEL}}[$__rate_interval]))`, 'streams out of port range'],
        [`sum by (code) (increase(voipready_sip_alg_findings_total{${SEL}}[$__rate_interval]))`, '{{code}}']],
      { x: 16, y: 21, w: 8, h: 7 }, 'short'),
    stat('Lowest MOS now', 'ITU-T G.107 E-model MOS of the worst active stream: 4.4 is a perfect narrowband call; below 3.6 many users are dissatisfied (warn), below 3.1 nearly all (fail).',
      [[`min(voipready_stream_mos{${SEL}})`, 'MOS']], { x: 0, y: 28, w: 6, h: 7 }, 'none',
      { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'orange', value: 3.1 }, { color: 'green', value: 3.6 }] }),
    timeseries('MOS of ended streams', 'E-model MOS of each stream, observed once when it ends: median and 5th percentile.',
      [[`histogram_quantile(0.5, sum by (le) (${rate('voipready_rtp_mos_bucket', SEL)}))`, 'median'],
        [`histogram_quantile(0.05, sum by (le) (${rate('voipready_rtp_mos_bucket', SEL)}))`, '5th percentile']],
      { x: 6, y: 28, w: 18, h: 7 }, 'none'),
    ...monitorHealth(35),
    ...activeAlgCheck(49),
    ...proxyRow(62),
  ];
  return dashboard('voipready-overview', 'voipready — overview', panels, false);
}

/**
 * The row about voipready monitor itself (the live sources of `voipready monitor`): is traffic still
 * arriving, did the capture drop, what HEP agents send, memory and event-loop lag, the config reload.
 * Process metrics carry no site label: `and on (instance)` keeps those of the voipready instances of
 * the sites selected.
 */
export const HEALTH_ROW = 'Monitor health';

function monitorHealth(y) {
  const mine = (expr) => `${expr} and on (instance) voipready_config_last_reload_successful{${SEL}}`;
  return [
    { id: nextId++, type: 'row', title: HEALTH_ROW, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] },
    stat('Seconds since the last packet', 'Per live source (hep, interface, stdin): how long ago it delivered a packet. A monitor whose mirror port or HEP senders went quiet says so here.',
      [[`time() - max by (source) (voipready_monitor_last_packet_timestamp_seconds{${SEL}})`, '{{source}}']], { x: 0, y: y + 1, w: 6, h: 6 }, 's',
      { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 60 }, { color: 'red', value: 300 }] }),
    timeseries('Capture drops', 'Packets the interface capture dropped (kernel buffer or dumpcap; the NIC): loss figures taken while the capture dropped are not the network\'s.',
      [[`sum by (interface, where) (increase(voipready_capture_dropped_packets_total{${SEL}}[$__rate_interval]))`, '{{interface}} {{where}}']], { x: 6, y: y + 1, w: 6, h: 6 }, 'short'),
    timeseries('HEP packets', 'HEP packets received per second by capture agent, and those not analysed by reason.',
      [[`sum by (agent) (${rate('voipready_hep_packets_total', SEL)})`, 'agent {{agent}}'], [`sum by (reason) (${rate('voipready_hep_errors_total', SEL)})`, 'not analysed: {{reason}}']],
      { x: 12, y: y + 1, w: 6, h: 6 }, 'pps'),
    stat('Configuration', '1: the last (re)load of the configuration succeeded; 0: a SIGHUP reload failed and the previous configuration is in use.',
      [[`min(voipready_config_last_reload_successful{${SEL}})`, 'loaded']], { x: 18, y: y + 1, w: 6, h: 6 }, 'none',
      { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] }),
    timeseries('Memory', 'Resident memory and V8 heap of the voipready processes (flat over weeks: retention bounds what is held).',
      [[mine('process_resident_memory_bytes'), 'RSS {{instance}}'], [mine('nodejs_heap_size_used_bytes'), 'heap {{instance}}']], { x: 0, y: y + 7, w: 8, h: 7 }, 'bytes'),
    timeseries('Held in memory', 'What the analysis holds now: streams and calls in its tables, fast-path stream records, endpoints announced in SDP. Rises and falls with the traffic; a kind that only grows while the traffic does not is a leak.',
      [[`sum by (instance, kind) (voipready_monitor_held_objects{${SEL}})`, '{{kind}} {{instance}}']], { x: 8, y: y + 7, w: 8, h: 7 }, 'short'),
    timeseries('Event loop lag p99', 'How late the analysis runs behind the packets (Node.js event loop delay, 99th percentile).',
      [[mine('nodejs_eventloop_lag_p99_seconds'), '{{instance}}']], { x: 16, y: y + 7, w: 8, h: 7 }, 's'),
  ];
}

/**
 * The row of the one-shot checks (`alg-check` / `nat-check` from cron or a systemd timer, their
 * results through node_exporter's textfile collector or remote_write): next to the passive ALG
 * findings above, what the active test saw the last time it ran, and how long ago that was.
 */
export const ALG_CHECK_ROW = 'Active ALG check';

function activeAlgCheck(y) {
  const perCheck = 'server, transport';
  // the last sample of the last day: node_exporter serves the file on every scrape, but a --remote-write
  // run is one sample an hour (or a day) apart, beyond Prometheus' 5-minute lookback
  const last = (metric) => `last_over_time(${metric}{${SEL}}[1d])`;
  const redAt1 = { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] };
  const greenAt1 = { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] };
  const names = { options: { textMode: 'name', graphMode: 'none' }, fieldConfig: { color: { mode: 'fixed', fixedColor: 'blue' } } };
  const valueText = (map) => ({ fieldConfig: { mappings: [{ type: 'value', options: Object.fromEntries(Object.entries(map).map(([v, text], i) => [v, { text, index: i }])) }] } });
  return [
    { id: nextId++, type: 'row', title: ALG_CHECK_ROW, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] },
    stat('SIP ALG (active test)', 'alg-check against alg-echo: 1 (red) when something on the path rewrote the test REGISTER/INVITE (a SIP ALG), 0 when nothing was rewritten; per echo server and transport, as of the last run that got an answer (within a day).',
      [[`max by (${perCheck}) (${last('voipready_alg_check_alg_detected')})`, '{{server}} {{transport}}']], { x: 0, y: y + 1, w: 6, h: 6 }, 'none', redAt1,
      valueText({ 0: 'no rewriting', 1: 'SIP ALG present' })),
    panel('table', 'Fields rewritten (active test)', 'The fields the last alg-check saw rewritten, per direction (outbound: phone to echo; inbound: the answer on its way back). Empty: nothing rewritten.',
      [[`max by (${perCheck}, direction, field) (${last('voipready_alg_check_rewritten_fields')}) > 0`, '', { format: 'table', instant: true }]],
      { x: 6, y: y + 1, w: 8, h: 6 }, { unit: 'short' }, { showHeader: true }),
    stat('Fingerprint', 'The kind of box the rewrite pattern points to (linux_nf_nat_sip, fortigate, juniper, cisco_asa, sip_proxy; unknown: rewritten, box unknown; none: no rewriting).',
      [[`max by (${perCheck}, fingerprint) (${last('voipready_alg_check_fingerprint')}) == 1`, '{{fingerprint}}']], { x: 14, y: y + 1, w: 5, h: 6 }, 'none', undefined, names),
    stat('Check ran', '1: the last alg-check reached the echo and got a verifiable answer; 0: it could not test (the echo unreachable or its answers changed beyond recognition).',
      [[`min by (${perCheck}) (${last('voipready_alg_check_success')})`, '{{server}} {{transport}}']], { x: 19, y: y + 1, w: 5, h: 6 }, 'none', greenAt1,
      valueText({ 0: 'could not test', 1: 'ran' })),
    stat('Last run age', 'Seconds since alg-check and nat-check last ran: a cron job or timer that stopped shows here (orange after 2 h, red after a day; gone after a day without a run, when the VoipreadyAlgCheckStale alert has long fired).',
      [[`time() - max by (${perCheck}) (${last('voipready_alg_check_last_run_timestamp_seconds')})`, 'alg-check {{server}} {{transport}}'],
        [`time() - max by (server) (${last('voipready_nat_check_last_run_timestamp_seconds')})`, 'nat-check {{server}}']],
      { x: 0, y: y + 7, w: 8, h: 6 }, 's', { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 7200 }, { color: 'red', value: 86400 }] }),
    stat('NAT type', 'nat-check (STUN): none, cone (endpoint-independent mapping, the server\'s other port let in), port_restricted, symmetric (a new port per destination: RTP to a peer other than the STUN server gets another port), unknown (one destination only).',
      [[`max by (server, nat_type) (${last('voipready_nat_check_nat_type')}) == 1`, '{{nat_type}}']], { x: 8, y: y + 7, w: 8, h: 6 }, 'none', undefined, names),
    stat('NAT binding after idle', 'nat-check --lifetime: 1 when the public mapping survived the idle time tested, 0 when it was lost (shorter than the SIP re-registration or keep-alive interval means one-way audio and missed calls).',
      [[`min by (server) (${last('voipready_nat_check_binding_kept')})`, '{{server}}']],
      { x: 16, y: y + 7, w: 8, h: 6 }, 'none', undefined, valueText({ 0: 'lost', 1: 'kept' })),
  ];
}

/**
 * The row of `voipready proxy`: its upstreams (up or held down, requests, failovers: several
 * `--upstream`s), what its SIP side did with each message, the calls anchored and the delay it adds.
 * Proxy series carry no site label: `and on (instance)` keeps those of the sites selected.
 */
export const PROXY_ROW = 'Proxy';

function proxyRow(y) {
  const mine = (expr) => `${expr} and on (instance) voipready_config_last_reload_successful{${SEL}}`;
  const rateOf = (metric) => `rate(${metric}[$__rate_interval])`;
  return [
    { id: nextId++, type: 'row', title: PROXY_ROW, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] },
    stat('Upstreams', 'Each --upstream of the proxy: up, or held down after a timeout, a refused TCP connection or a 503 (until an OPTIONS probe is answered after the hold-down).',
      [[mine('min by (instance, upstream) (voipready_proxy_upstream_up)'), '{{upstream}}']], { x: 0, y: y + 1, w: 6, h: 6 }, 'none',
      { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] },
      { fieldConfig: { mappings: [{ type: 'value', options: { 0: { text: 'down', index: 0 }, 1: { text: 'up', index: 1 } } }] } }),
    timeseries('Requests per upstream', 'Requests the proxy sent to each upstream per second (each attempt once, retransmissions not counted).',
      [[mine(`sum by (instance, upstream) (${rateOf('voipready_proxy_upstream_requests_total')})`), '{{upstream}}']], { x: 6, y: y + 1, w: 6, h: 6 }, 'reqps'),
    timeseries('Failovers', 'Requests moved from an upstream to the next, by reason: timeout (no answer within --upstream-timeout), unreachable (TCP connect failed), unavailable (503).',
      [[mine(`sum by (instance, upstream, reason) (increase(voipready_proxy_upstream_failovers_total[$__rate_interval]))`), '{{upstream}} {{reason}}']], { x: 12, y: y + 1, w: 6, h: 6 }, 'short'),
    timeseries('SIP messages by outcome', 'What the proxy did with each SIP message it received: forwarded, a retransmission absorbed, refused (403 forbidden: never an open relay; 404), malformed, rate-limited, a stray response.',
      [[mine(`sum by (instance, outcome) (${rateOf('voipready_proxy_sip_messages_total')})`), '{{outcome}}']], { x: 18, y: y + 1, w: 6, h: 6 }, 'pps'),
    timeseries('Calls anchored', 'Calls whose media runs through the proxy now.',
      [[mine('sum by (instance) (voipready_proxy_calls_active)'), '{{instance}}']], { x: 0, y: y + 7, w: 12, h: 6 }, 'short'),
    timeseries('Delay the proxy adds, p99', 'Kernel receive stamp to send of each forwarded RTP packet, 99th percentile per leg (the proxy aims at < 1 ms).',
      [[mine(`histogram_quantile(0.99, sum by (instance, leg, le) (${rateOf('voipready_proxy_added_delay_seconds_bucket')}))`), '{{leg}}']], { x: 12, y: y + 7, w: 12, h: 6 }, 's'),
  ];
}

function drilldown() {
  nextId = 1;
  const by = ', peer, codec';
  const panels = [
    timeseries('Jitter p95 by peer and codec', 'RFC 3550 jitter, 95th percentile per peer and codec.',
      [[p95('voipready_rtp_jitter_seconds', DRILL, by), '{{peer}} {{codec}}'], [`max(voipready_threshold_jitter_seconds{${SEL}})`, 'limit']],
      { x: 0, y: 0, w: 12, h: 8 }, 's', 0.02),
    timeseries('Loss by peer and codec', 'Lost / expected RTP packets per peer and codec.',
      [[`sum by (peer, codec) (${rate('voipready_rtp_packets_lost_total', DRILL)}) / sum by (peer, codec) (${rate('voipready_rtp_packets_expected_total', DRILL)})`, '{{peer}} {{codec}}'],
        [`max(voipready_threshold_loss_ratio{${SEL}})`, 'limit']],
      { x: 12, y: 0, w: 12, h: 8 }, 'percentunit', 0.03),
    timeseries('RTP packets per second', 'Received RTP packets per second by peer, codec and direction.',
      [[`sum by (peer, codec, direction) (${rate('voipready_rtp_packets_received_total', DRILL)})`, '{{peer}} {{codec}} {{direction}}']],
      { x: 0, y: 8, w: 12, h: 8 }, 'pps'),
    timeseries('Active streams', 'Active RTP streams by peer and codec.',
      [[`sum by (peer, codec) (voipready_streams_active{${DRILL}})`, '{{peer}} {{codec}}']], { x: 12, y: 8, w: 12, h: 8 }, 'short'),
    panel('table', 'Active streams now', 'Current jitter, loss and E-model MOS of each active stream (stream ids match /api/streams).',
      [[`voipready_stream_jitter_seconds{${DRILL}}`, '', { format: 'table', instant: true }],
        [`voipready_stream_loss_ratio{${DRILL}}`, '', { format: 'table', instant: true }],
        [`voipready_stream_mos{${DRILL}}`, '', { format: 'table', instant: true }]],
      { x: 0, y: 16, w: 16, h: 9 }, { unit: 'short' }, { showHeader: true }),
    timeseries('DSCP violations by peer', 'RTP packets per second not marked EF.',
      [[`sum by (peer) (${rate('voipready_rtp_dscp_mismatch_packets_total', DRILL)})`, '{{peer}}']], { x: 16, y: 16, w: 8, h: 9 }, 'pps'),
    timeseries('MOS by peer and codec', 'Lowest current E-model MOS of the active streams per peer and codec.',
      [[`min by (peer, codec) (voipready_stream_mos{${DRILL}})`, '{{peer}} {{codec}}']], { x: 0, y: 25, w: 24, h: 8 }, 'none'),
  ];
  return dashboard('voipready-drilldown', 'voipready — drill-down by site, peer, codec', panels, true);
}

function dashboard(uid, title, panels, drill) {
  return {
    uid, title, tags: ['voipready', 'voip'], timezone: 'browser', schemaVersion: 39, version: 1, editable: true,
    refresh: '10s', time: { from: 'now-30m', to: 'now' }, graphTooltip: 1,
    links: [{ title: drill ? 'Overview' : 'Drill-down', type: 'link', url: `/d/${drill ? 'voipready-overview' : 'voipready-drilldown'}` }],
    templating: variables(drill), annotations: { list: [] }, panels,
  };
}

export function dashboards() {
  return { 'voipready-overview.json': overview(), 'voipready-drilldown.json': drilldown() };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = join(dirname(fileURLToPath(import.meta.url)), 'grafana');
  for (const [name, json] of Object.entries(dashboards())) writeFileSync(join(dir, name), `${JSON.stringify(json, null, 2)}\n`);
}
