import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addRemoteWriteOptions, pushSettingsFromOptions, remoteWriteFromOptions, type RemoteWriteCliOptions } from '../../../../src/config/options/remote-write.js';
import { loadSettings } from '../../../../src/config/load-settings.js';

function parse(args: string[]): RemoteWriteCliOptions {
  const cmd = addRemoteWriteOptions(new Command('replay').exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts<RemoteWriteCliOptions>();
}

describe('remote_write command-line options', () => {
  it('collects repeated --remote-write URLs and applies the shared credentials to them', () => {
    const opts = parse(['--remote-write', 'http://a:9090/api/v1/write', '--remote-write', 'https://b/w',
      '--remote-write-bearer-token-env', 'TOKEN', '--remote-write-timeout', '5', '--remote-write-insecure']);
    const settings = { ...loadSettings(), remoteWrite: [{ url: 'http://central/w', username: 'u', password: 'p' }] };
    expect(remoteWriteFromOptions(opts, settings)).toEqual([
      { url: 'http://central/w', username: 'u', password: 'p' },
      { url: 'http://a:9090/api/v1/write', bearerTokenEnv: 'TOKEN', timeoutMs: 5000, insecureSkipVerify: true },
      { url: 'https://b/w', bearerTokenEnv: 'TOKEN', timeoutMs: 5000, insecureSkipVerify: true },
    ]);
  });

  it('takes --push-interval and --state-dir over the config, defaults otherwise', () => {
    const settings = loadSettings();
    expect(pushSettingsFromOptions(parse([]), settings)).toEqual({ targets: [], pushIntervalSeconds: 15, stateDir: null });
    expect(pushSettingsFromOptions(parse(['--push-interval', '2.5', '--state-dir', '/var/lib/vr']), settings))
      .toMatchObject({ pushIntervalSeconds: 2.5, stateDir: '/var/lib/vr' });
  });

  it('rejects bad values as usage errors without echoing credentials', () => {
    const settings = loadSettings();
    expect(() => pushSettingsFromOptions(parse(['--push-interval', '0']), settings)).toThrow(/--push-interval "0" must be above zero/);
    expect(() => remoteWriteFromOptions(parse(['--remote-write', 'ftp://x']), settings)).toThrow(/http:\/\/ or https:\/\//);
    let message = '';
    try {
      remoteWriteFromOptions(parse(['--remote-write', 'http//user:hunter2@x']), settings);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/is not a URL/);
    expect(message).not.toContain('hunter2');
    expect(() => remoteWriteFromOptions(parse(['--remote-write', 'http://x/', '--remote-write-user', 'u', '--remote-write-bearer-token-file', 'f']), settings))
      .toThrow(/not both/);
  });
});
