/**
 * The Prometheus remote_write 1.0 wire format: a protobuf WriteRequest, snappy block-compressed.
 * Schema from prometheus/prompb (remote.proto, types.proto), defined in code so no .proto file has
 * to ship; only the fields remote_write 1.0 needs (metadata, field 3, is optional and not sent).
 *
 *   message WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
 *   message TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   message Label        { string name = 1; string value = 2; }
 *   message Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms since the epoch
 */
import protobuf from 'protobufjs';
import snappy from 'snappyjs';

export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  value: number;
  /** ms since the epoch */
  timestamp: number;
}

export interface TimeSeries {
  /** sorted by name, `__name__` included (the spec requires sorted, unique label names) */
  labels: Label[];
  /** in timestamp order */
  samples: Sample[];
}

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: { timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 } },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
      },
    },
  },
});

const WriteRequest = root.lookupType('prometheus.WriteRequest');

/** The uncompressed protobuf bytes of a WriteRequest. */
export function encodeWriteRequest(series: readonly TimeSeries[]): Uint8Array {
  return WriteRequest.encode({ timeseries: series }).finish();
}

/** protobuf bytes -> series; throws on malformed input (callers are tests, the receiver fake, the disk queue). */
export function decodeWriteRequest(bytes: Uint8Array): TimeSeries[] {
  const msg = WriteRequest.decode(bytes);
  const obj = WriteRequest.toObject(msg, { longs: Number, defaults: true, arrays: true }) as {
    timeseries: Array<{ labels: Label[]; samples: Sample[] }>;
  };
  return obj.timeseries.map((ts) => ({
    labels: ts.labels.map((l) => ({ name: l.name, value: l.value })),
    samples: ts.samples.map((s) => ({ value: s.value, timestamp: s.timestamp })),
  }));
}

/** The HTTP body: snappy block format (not the framed format), as remote_write 1.0 requires. */
export function compressBody(protoBytes: Uint8Array): Buffer {
  return snappy.compress(Buffer.from(protoBytes.buffer, protoBytes.byteOffset, protoBytes.byteLength));
}

/** Largest body we agree to decompress (the receiver fake, the disk queue): 32 MiB, like Prometheus' own cap. */
export const MAX_DECODED_BYTES = 32 * 1024 * 1024;

export function uncompressBody(body: Uint8Array): Buffer {
  return snappy.uncompress(Buffer.from(body.buffer, body.byteOffset, body.byteLength), MAX_DECODED_BYTES);
}
