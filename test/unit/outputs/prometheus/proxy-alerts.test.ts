/**
 * The proxy's upstream alert rules of dashboards/prometheus/voipready-alerts.yml, run by promtool's
 * own rule unit tester on series shaped as the proxy exports them: upstream A is held down from
 * minute 1, B from minute 2, both are back at minute 4.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promtoolRuleTests } from '../../../helpers/prometheus.js';

const PROMTOOL = '/usr/bin/promtool';
const RULES = resolve('dashboards/prometheus/voipready-alerts.yml');
const I = 'instance="proxy:9464",job="voipready"';
const down = (upstream: string): string =>
  `The proxy proxy:9464 holds its upstream ${upstream} down (no answer, refused or 503): calls go to the next upstream, if any`;

const TESTS = `rule_files: ['${RULES}']
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'voipready_proxy_upstream_up{${I},upstream="10.0.0.5:5060"}'
        values: '1 0 0 0 1 1'
      - series: 'voipready_proxy_upstream_up{${I},upstream="10.0.0.6:5060"}'
        values: '1 1 0 0 1 1'
    alert_rule_test:
      # down for a minute: firing (for: 1m); B only just down: pending, not listed
      - eval_time: 2m
        alertname: VoipreadyProxyUpstreamDown
        exp_alerts:
          - exp_labels: { severity: warning, instance: 'proxy:9464', upstream: '10.0.0.5:5060' }
            exp_annotations: { summary: '${down('10.0.0.5:5060')}' }
      - eval_time: 3m
        alertname: VoipreadyProxyUpstreamDown
        exp_alerts:
          - exp_labels: { severity: warning, instance: 'proxy:9464', upstream: '10.0.0.5:5060' }
            exp_annotations: { summary: '${down('10.0.0.5:5060')}' }
          - exp_labels: { severity: warning, instance: 'proxy:9464', upstream: '10.0.0.6:5060' }
            exp_annotations: { summary: '${down('10.0.0.6:5060')}' }
      # one upstream still up: calls go there, nothing critical
      - eval_time: 2m
        alertname: VoipreadyProxyNoUpstream
        exp_alerts: []
      - eval_time: 3m
        alertname: VoipreadyProxyNoUpstream
        exp_alerts:
          - exp_labels: { severity: critical, instance: 'proxy:9464' }
            exp_annotations: { summary: 'Every upstream of the proxy proxy:9464 is down: new calls through it fail' }
      - eval_time: 5m
        alertname: VoipreadyProxyUpstreamDown
        exp_alerts: []
      - eval_time: 5m
        alertname: VoipreadyProxyNoUpstream
        exp_alerts: []
`;

describe.skipIf(!existsSync(PROMTOOL))('proxy upstream alert rules (promtool test rules)', () => {
  it('fire for an upstream held down a minute, and critically when none is left', () => {
    const r = promtoolRuleTests(TESTS);
    expect(r.output).toMatch(/SUCCESS/);
    expect(r.status, r.output).toBe(0);
  });
});
