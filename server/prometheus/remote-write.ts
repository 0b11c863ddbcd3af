// Prometheus remote-write 1.0 on the wire: a protobuf `prometheus.WriteRequest` (prompb's
// remote.proto and types.proto: the fields 1.0 uses) in snappy's block format, POSTed with
// the headers below. Encoded with protobufjs from a descriptor, compressed with snappy.
// Repeated fields concatenate in protobuf: two encoded WriteRequests one after the other are
// one WriteRequest holding both lists, which lets the forwarding queue keep each batch's
// request on its own and send several as one.
import protobuf from 'protobufjs/light.js';
import snappy from 'snappy';

export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface TimeSeries {
  /** `__name__` among them, sorted by name (remote-write asks for it; byte order). */
  labels: Label[];
  /** Oldest first, each time once. */
  samples: Sample[];
}

export const REMOTE_WRITE_HEADERS = {
  'content-type': 'application/x-protobuf',
  'content-encoding': 'snappy',
  'x-prometheus-remote-write-version': '0.1.0',
} as const;

const root = protobuf.Root.fromJSON({
  nested: {
    prometheus: {
      nested: {
        WriteRequest: {
          fields: {
            timeseries: { rule: 'repeated', type: 'TimeSeries', id: 1 },
            metadata: { rule: 'repeated', type: 'MetricMetadata', id: 3 },
          },
        },
        TimeSeries: {
          fields: {
            labels: { rule: 'repeated', type: 'Label', id: 1 },
            samples: { rule: 'repeated', type: 'Sample', id: 2 },
          },
        },
        Label: { fields: { name: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        Sample: { fields: { value: { type: 'double', id: 1 }, timestamp: { type: 'int64', id: 2 } } },
        MetricMetadata: {
          fields: {
            type: { type: 'MetricType', id: 1 },
            metric_family_name: { type: 'string', id: 2 },
            help: { type: 'string', id: 4 },
            unit: { type: 'string', id: 5 },
          },
          nested: {
            MetricType: {
              values: {
                UNKNOWN: 0,
                COUNTER: 1,
                GAUGE: 2,
                HISTOGRAM: 3,
                GAUGEHISTOGRAM: 4,
                SUMMARY: 5,
                INFO: 6,
                STATESET: 7,
              },
            },
          },
        },
      },
    },
  },
});

const WriteRequest = root.lookupType('prometheus.WriteRequest');
const TimeSeriesType = root.lookupType('prometheus.TimeSeries');

const byName = (a: readonly [string, string], b: readonly [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * A TimeSeries' labels field (each Label, field 1), sorted by name: the start of a TimeSeries
 * message, to which its samples (field 2) are appended (encode-batch.ts).
 */
export function encodeLabels(pairs: readonly (readonly [string, string])[]): Buffer {
  const labels = [...pairs].sort(byName).map(([name, value]) => ({ name, value }));
  const bytes = TimeSeriesType.encode({ labels, samples: [] }).finish();
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The WriteRequest holding `series`, not compressed (by reflection: the reference encode-batch.ts is checked against). */
export function encodeWriteRequest(series: readonly TimeSeries[]): Uint8Array {
  return WriteRequest.encode({ timeseries: series }).finish();
}

/** A WriteRequest read back (tests, and the queue's own checks). Timestamps as numbers. */
export function decodeWriteRequest(bytes: Uint8Array): { timeseries: TimeSeries[] } {
  const m = WriteRequest.decode(bytes);
  const o = WriteRequest.toObject(m, { longs: Number, arrays: true, defaults: true }) as {
    timeseries: TimeSeries[];
  };
  return o;
}

/** Snappy block format (not the framed stream), as remote-write asks. */
export function compress(bytes: Uint8Array): Buffer {
  return snappy.compressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

export function uncompress(bytes: Uint8Array): Buffer {
  return snappy.uncompressSync(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), {
    asBuffer: true,
  }) as Buffer;
}
