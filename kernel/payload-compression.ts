// Large Temporal payloads are stored gzip-compressed. A pool's first observation in a run names every pod
// it holds (about 200 bytes of JSON each): at 10,000 pods that is 2 MB, the server's limit for one
// payload, and the pool workflow stopped (issue 15). The JSON of many similar pods compresses about
// tenfold. Small payloads - every pause, resume and task payload - stay plain JSON, readable in the
// Temporal UI without a codec server.
//
// Every Worker and Client of the operator must use `operatorDataConverter`: one without it cannot read a
// compressed payload. A compressed payload keeps its original metadata, its encoding moved aside.
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export const COMPRESSED_ENCODING = 'binary/gzip';
/** The metadata key that keeps the encoding the payload had before it was compressed. */
export const ORIGINAL_ENCODING_KEY = 'opensandbox.io/original-encoding';
/** Payloads from this size on are compressed. */
export const COMPRESSION_THRESHOLD_BYTES = 32 * 1024;

const text = new TextEncoder();
const fromText = new TextDecoder();

export function compressingCodec(thresholdBytes = COMPRESSION_THRESHOLD_BYTES): PayloadCodec {
  return {
    async encode(payloads: Payload[]): Promise<Payload[]> {
      return Promise.all(
        payloads.map(async (payload) => {
          const { data } = payload;
          const metadata = payload.metadata ?? {};
          if (!data || data.length < thresholdBytes || metadata[ORIGINAL_ENCODING_KEY]) return payload;
          const { encoding, ...rest } = metadata;
          return {
            metadata: { ...rest, encoding: text.encode(COMPRESSED_ENCODING), [ORIGINAL_ENCODING_KEY]: encoding ?? new Uint8Array() },
            data: new Uint8Array(await gzipAsync(data)),
          };
        }),
      );
    },
    async decode(payloads: Payload[]): Promise<Payload[]> {
      return Promise.all(
        payloads.map(async (payload) => {
          const { data } = payload;
          const metadata = payload.metadata ?? {};
          const original = metadata[ORIGINAL_ENCODING_KEY];
          if (!data || !original || fromText.decode(metadata.encoding ?? new Uint8Array()) !== COMPRESSED_ENCODING) return payload;
          const { [ORIGINAL_ENCODING_KEY]: _moved, ...rest } = metadata;
          return { metadata: { ...rest, encoding: original }, data: new Uint8Array(await gunzipAsync(data)) };
        }),
      );
    },
  };
}

export const operatorDataConverter: DataConverter = { payloadCodecs: [compressingCodec()] };
