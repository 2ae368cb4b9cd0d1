/** Prometheus remote_write push: the public surface of this folder. */
export { createRemoteWriter, remoteWriteListener, type RemoteWriter, type RemoteWriterOptions, type RemoteWriterStats, type TargetStats } from './writer.js';
export { addRemoteWriteOptions, remoteWriteFromOptions, pushSettingsFromOptions, type RemoteWriteCliOptions, type PushSettings } from './cli-options.js';
