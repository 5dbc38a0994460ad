import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { extract } from 'tar-stream';
import { compressLayer } from '../../oci/gzip-layer.js';
import { reproducibleTar, type TarEntry } from '../../oci/reproducible-tar.js';

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** An in-memory destination, so the test needs no file system. */
function memorySink(): { sink: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk);
      done();
    },
  });
  return { sink, bytes: () => Buffer.concat(chunks) };
}

async function compress(tar: AsyncIterable<Uint8Array>, level?: number) {
  const { sink, bytes } = memorySink();
  const digests = await compressLayer(tar, sink, level === undefined ? {} : { level });
  return { ...digests, gzip: bytes() };
}

const entries: TarEntry[] = [
  { type: 'directory', path: '/etc' },
  { type: 'file', path: 'etc/hostname', content: 'sandbox\n' },
  { type: 'file', path: './bin/run', content: Buffer.from('#!/bin/sh\necho hi\n'), mode: 0o755 },
  { type: 'symlink', path: 'bin/sh', target: 'busybox' },
];

describe('compressLayer', () => {
  it('gzips a large layer as several members that read back as one stream, with a digest independent of how the input was chunked', async () => {
    // 9.5 MiB of pseudo-random bytes: three 4 MiB blocks, the last one partial.
    const tar = Buffer.alloc(9.5 * 1024 * 1024);
    for (let i = 0, x = 7; i < tar.length; i++) tar[i] = x = (x * 1103515245 + 12345) & 0xff;
    const inOne = await compress(Readable.from([tar]));
    const inOddChunks = await compress(
      Readable.from(Array.from({ length: Math.ceil(tar.length / 65_521) }, (_, i) => tar.subarray(i * 65_521, (i + 1) * 65_521))),
    );
    expect(gunzipSync(inOne.gzip).equals(tar)).toBe(true);
    expect(inOne.digest).toBe(inOddChunks.digest);
    expect(inOne.digest).toBe(sha256(inOne.gzip));
    expect(inOne.diffId).toBe(sha256(tar));
    // Three members: three gzip headers (1f 8b 08) where blocks start.
    const headers = [...inOne.gzip.entries()].filter(
      ([i]) => inOne.gzip[i] === 0x1f && inOne.gzip[i + 1] === 0x8b && inOne.gzip[i + 2] === 0x08 && inOne.gzip[i + 3] === 0x00,
    );
    expect(headers.length).toBeGreaterThanOrEqual(3);
  });

  it('gzips an empty input to one valid empty member', async () => {
    const empty = await compress(Readable.from([]));
    expect(gunzipSync(empty.gzip).length).toBe(0);
    expect(empty.uncompressedSize).toBe(0);
  });

  it('computes the digest and size of the gzip and the diff ID of the tar in one pass', async () => {
    const tar = Buffer.concat([Buffer.from('a'.repeat(100_000)), Buffer.from(Array.from({ length: 50_000 }, (_, i) => i % 251))]);
    const result = await compress(Readable.from([tar.subarray(0, 70_000), tar.subarray(70_000)]));
    expect(result.diffId).toBe(sha256(tar));
    expect(result.uncompressedSize).toBe(tar.length);
    expect(result.digest).toBe(sha256(result.gzip));
    expect(result.size).toBe(result.gzip.length);
    expect(gunzipSync(result.gzip).equals(tar)).toBe(true);
  });

  it('compresses harder at a higher level', async () => {
    const text = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `line ${i % 977} of the log\n`).join(''));
    const fast = await compress(Readable.from([text]));
    const best = await compress(Readable.from([text]), 9);
    expect(best.diffId).toBe(fast.diffId);
    expect(best.size).toBeLessThan(fast.size);
  });
});

describe('reproducibleTar', () => {
  it('gives the same layer digest for the same entries, another for other entries', async () => {
    const first = await compress(reproducibleTar(entries));
    const second = await compress(reproducibleTar(entries));
    expect(second.digest).toBe(first.digest);
    expect(second.diffId).toBe(first.diffId);
    const changed = await compress(reproducibleTar([...entries.slice(0, 1), { type: 'file', path: 'etc/hostname', content: 'other\n' }]));
    expect(changed.diffId).not.toBe(first.diffId);
  });

  it('writes the entries in order, owned by root, dated the epoch unless told, with their modes', async () => {
    const mtime = new Date('2025-01-02T03:04:05Z');
    const headers: {
      name: string;
      type: string;
      mode: number;
      uid: number;
      gid: number;
      uname: string;
      gname: string;
      mtime: number;
      linkname: string | null;
      content: string;
    }[] = [];
    for await (const entry of reproducibleTar([...entries, { type: 'file', path: 'dated', content: '', mtime }]).pipe(extract())) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      const h = entry.header;
      headers.push({
        name: h.name,
        type: h.type,
        mode: h.mode,
        uid: h.uid,
        gid: h.gid,
        uname: h.uname,
        gname: h.gname,
        mtime: h.mtime.getTime(),
        linkname: h.linkname,
        content: Buffer.concat(chunks).toString(),
      });
    }
    const root = { uid: 0, gid: 0, uname: '', gname: '', mtime: 0 };
    expect(headers).toEqual([
      { ...root, name: 'etc', type: 'directory', mode: 0o755, linkname: null, content: '' },
      { ...root, name: 'etc/hostname', type: 'file', mode: 0o644, linkname: null, content: 'sandbox\n' },
      { ...root, name: 'bin/run', type: 'file', mode: 0o755, linkname: null, content: '#!/bin/sh\necho hi\n' },
      { ...root, name: 'bin/sh', type: 'symlink', mode: 0o777, linkname: 'busybox', content: '' },
      { ...root, name: 'dated', type: 'file', mode: 0o644, linkname: null, content: '', mtime: mtime.getTime() },
    ]);
  });
});
