import { describe, expect, it } from '@jest/globals';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { COMPRESSED_ENCODING, compressingCodec, ORIGINAL_ENCODING_KEY } from '../../kernel/payload-compression.js';

const codec = compressingCodec(1024);
const encoding = (p: Payload) => new TextDecoder().decode(p.metadata?.encoding);

/** A pool observation's shape: many similar pod digests. */
function podDigests(count: number): object {
  return {
    pods: Array.from({ length: count }, (_, i) => ({
      name: `warm-0-${i}`,
      resourceVersion: String(100_000 + i),
      revision: '5d8f7c9b',
      createdAt: '2026-12-03T10:00:00Z',
      phase: 'Running',
      ip: `10.0.${i % 250}.${i % 200}`,
      node: `kwok-node-${i % 4}`,
      readySince: '2026-12-03T10:00:05Z',
    })),
  };
}

describe('payload compression', () => {
  it('compresses a large payload at least fivefold and restores it exactly', async () => {
    const original = defaultPayloadConverter.toPayload(podDigests(2_000));
    const [stored] = await codec.encode([original]);
    expect(encoding(stored!)).toBe(COMPRESSED_ENCODING);
    expect(new TextDecoder().decode(stored!.metadata?.[ORIGINAL_ENCODING_KEY])).toBe('json/plain');
    expect(stored!.data!.length * 5).toBeLessThan(original.data!.length);
    const [restored] = await codec.decode([stored!]);
    expect(encoding(restored!)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(restored!)).toEqual(podDigests(2_000));
  });

  it('leaves a payload under the threshold as plain JSON, readable in the Temporal UI', async () => {
    const small = defaultPayloadConverter.toPayload({ sandbox: 'sb-1', pause: true });
    expect(await codec.encode([small])).toEqual([small]);
    expect(await codec.decode([small])).toEqual([small]);
  });

  it('keeps metadata other than the encoding through a round trip', async () => {
    const original: Payload = {
      metadata: { encoding: new TextEncoder().encode('json/plain'), messageType: new TextEncoder().encode('x') },
      data: new TextEncoder().encode(JSON.stringify(podDigests(100))),
    };
    const [restored] = await codec.decode(await codec.encode([original]));
    expect(restored).toEqual(original);
  });

  it('passes a payload some other codec encoded through untouched', async () => {
    const other: Payload = { metadata: { encoding: new TextEncoder().encode(COMPRESSED_ENCODING) }, data: new Uint8Array([1, 2, 3]) };
    expect(await codec.decode([other])).toEqual([other]);
  });
});
