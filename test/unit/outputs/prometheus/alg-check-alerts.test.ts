/**
 * The active-check alert rules of dashboards/prometheus/voipready-alerts.yml, run by promtool's own
 * rule unit tester on series shaped as alg-check writes them (a plain NAT run, then a run that found
 * the ALG, then a run that could not reach the echo, then no run for hours).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promtoolRuleTests } from '../../../helpers/prometheus.js';

const PROMTOOL = '/usr/bin/promtool';
const RULES = resolve('dashboards/prometheus/voipready-alerts.yml');

const L = 'site="hq",server="echo:5060",transport="udp"';
/** a --remote-write check: one sample per run, nothing in between (beyond the 5-minute lookback) */
const R = 'site="hq",server="echo:5060",transport="tcp"';
const TESTS = `rule_files: ['${RULES}']
evaluation_interval: 1m
tests:
  - interval: 1h
    input_series:
      # hourly runs: plain NAT, then the ALG, then the echo unreachable (no verdict series); then the
      # timer stops and node_exporter keeps serving the last file (the same values, scraped on)
      - series: 'voipready_alg_check_alg_detected{${L}}'
        values: '0 1 _ _ _ _'
      - series: 'voipready_alg_check_success{${L}}'
        values: '1 1 0 0 0 0'
      - series: 'voipready_alg_check_last_run_timestamp_seconds{${L}}'
        values: '0 3600 7200 7200 7200 7200'
      # pushed once at 0h, ALG found, then never again
      - series: 'voipready_alg_check_alg_detected{${R}}'
        values: '1 _ _ _ _ _'
      - series: 'voipready_alg_check_success{${R}}'
        values: '1 _ _ _ _ _'
      - series: 'voipready_alg_check_last_run_timestamp_seconds{${R}}'
        values: '0 _ _ _ _ _'
    alert_rule_test:
      - eval_time: 0m
        alertname: VoipreadySipAlgDetected
        exp_alerts:
          - exp_labels: { severity: warning, site: hq, server: 'echo:5060', transport: tcp }
            exp_annotations: { summary: 'A SIP ALG rewrote the test messages to echo:5060 (tcp) at hq: switch it off' }
      # 90 min after the tcp push, 30 after the udp run: both still alert (the last sample of the day)
      - eval_time: 1h30m
        alertname: VoipreadySipAlgDetected
        exp_alerts:
          - exp_labels: { severity: warning, site: hq, server: 'echo:5060', transport: udp }
            exp_annotations: { summary: 'A SIP ALG rewrote the test messages to echo:5060 (udp) at hq: switch it off' }
          - exp_labels: { severity: warning, site: hq, server: 'echo:5060', transport: tcp }
            exp_annotations: { summary: 'A SIP ALG rewrote the test messages to echo:5060 (tcp) at hq: switch it off' }
      - eval_time: 1h
        alertname: VoipreadyAlgCheckFailing
        exp_alerts: []
      - eval_time: 2h
        alertname: VoipreadyAlgCheckFailing
        exp_alerts:
          - exp_labels: { severity: info, site: hq, server: 'echo:5060', transport: udp }
            exp_annotations: { summary: 'alg-check at hq could not reach its echo echo:5060 (udp)' }
      - eval_time: 2h
        alertname: VoipreadyAlgCheckStale
        exp_alerts: []
      # the pushed check, last run at 0h, is stale after 2 h although it has no sample since
      - eval_time: 2h30m
        alertname: VoipreadyAlgCheckStale
        exp_alerts:
          - exp_labels: { severity: info, site: hq, server: 'echo:5060', transport: tcp }
            exp_annotations: { summary: 'alg-check at hq against echo:5060 has not run for 2 h (cron job or timer stopped?)' }
      - eval_time: 5h
        alertname: VoipreadyAlgCheckStale
        exp_alerts:
          - exp_labels: { severity: info, site: hq, server: 'echo:5060', transport: tcp }
            exp_annotations: { summary: 'alg-check at hq against echo:5060 has not run for 2 h (cron job or timer stopped?)' }
          - exp_labels: { severity: info, site: hq, server: 'echo:5060', transport: udp }
            exp_annotations: { summary: 'alg-check at hq against echo:5060 has not run for 2 h (cron job or timer stopped?)' }
`;

describe.skipIf(!existsSync(PROMTOOL))('active ALG check alert rules (promtool test rules)', () => {
  it('the rules file is valid and the alerts fire on the runs they are meant for', () => {
    expect(spawnSync(PROMTOOL, ['check', 'rules', RULES], { encoding: 'utf8' }).status).toBe(0);
    const r = promtoolRuleTests(TESTS);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.status, r.output).toBe(0);
  });
});
