/** Prometheus remote_write push: the public surface of this folder (its command-line options are in config/options/remote-write.ts). */
export { createRemoteWriter, remoteWriteListener, type RemoteWriter, type RemoteWriterOptions, type RemoteWriterStats, type TargetStats } from './writer.js';
