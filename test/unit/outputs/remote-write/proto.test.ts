import { describe, expect, it } from 'vitest';
import { compressBody, decodeWriteRequest, encodeWriteRequest, uncompressBody } from '../../../../src/outputs/remote-write/proto.js';

// Hand-assembled from the protobuf encoding rules (tag = field << 3 | wire type):
// Label{__name__="up"}         0a 08 "__name__" 12 02 "up"                    (14 bytes)
// Sample{value=1, ts=1000}     09 <1.0 as LE double> 10 e8 07                 (12 bytes)
// TimeSeries                   0a 0e <label> 12 0c <sample>                   (30 bytes)
// WriteRequest                 0a 1e <timeseries>                             (32 bytes)
const HAND = Buffer.concat([
  Buffer.from([0x0a, 0x1e, 0x0a, 0x0e, 0x0a, 0x08]), Buffer.from('__name__'), Buffer.from([0x12, 0x02]), Buffer.from('up'),
  Buffer.from([0x12, 0x0c, 0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07]),
]);

describe('WriteRequest encoding', () => {
  it('encodes one series with one sample to the hand-assembled bytes', () => {
    const bytes = encodeWriteRequest([{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1000 }] }]);
    expect(Buffer.from(bytes).toString('hex')).toBe(HAND.toString('hex'));
  });

  it('decodes the hand-assembled bytes', () => {
    expect(decodeWriteRequest(HAND)).toEqual([{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestamp: 1000 }] }]);
  });

  it('keeps millisecond timestamps beyond 2^32 exactly (int64)', () => {
    const ts = 1_760_000_000_123;
    const [series] = decodeWriteRequest(encodeWriteRequest([{ labels: [{ name: '__name__', value: 'x' }], samples: [{ value: -0.5, timestamp: ts }, { value: Number.NaN, timestamp: ts + 1000 }] }]));
    expect(series?.samples[0]).toEqual({ value: -0.5, timestamp: ts });
    expect(series?.samples[1]?.timestamp).toBe(ts + 1000);
    expect(Number.isNaN(series?.samples[1]?.value)).toBe(true);
  });

  it('throws on a truncated message', () => {
    expect(() => decodeWriteRequest(HAND.subarray(0, 20))).toThrow();
  });
});

describe('snappy block format', () => {
  it('decompresses a hand-made block: varint length 3, literal tag (3-1)<<2', () => {
    expect(uncompressBody(Buffer.from([0x03, 0x08, 0x61, 0x62, 0x63])).toString()).toBe('abc');
  });

  it('round-trips a repetitive body and compresses it', () => {
    const body = Buffer.from('voipready_rtp_packets_total{site="hq"} '.repeat(200));
    const packed = compressBody(body);
    expect(packed.length).toBeLessThan(body.length / 5);
    expect(uncompressBody(packed).equals(body)).toBe(true);
  });

  it('refuses a block announcing more than the cap', () => {
    // varint 0xffffffff0f = 2^32-1 bytes announced
    expect(() => uncompressBody(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]))).toThrow();
  });
});
