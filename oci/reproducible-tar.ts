// A tar stream whose bytes depend only on the entries given: owner root (uid/gid 0, no names), a fixed
// mtime, entries in the order given. Same entries, same layer digest, wherever it is built.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pack, type Pack } from 'tar-stream';

interface EntryBase {
  /** Path inside the archive; a leading `/` or `./` is dropped. */
  path: string;
  /** Default: the Unix epoch. */
  mtime?: Date;
}

export type TarEntry =
  | (EntryBase & { type: 'directory'; mode?: number })
  | (EntryBase & { type: 'file'; content: Buffer | string; mode?: number })
  | (EntryBase & { type: 'file'; source: string; mode?: number })
  | (EntryBase & { type: 'symlink'; target: string });

const EPOCH = new Date(0);
const DEFAULT_DIRECTORY_MODE = 0o755;
const DEFAULT_FILE_MODE = 0o644;
const SYMLINK_MODE = 0o777;

export function reproducibleTar(entries: readonly TarEntry[]): Readable {
  const archive = pack();
  writeEntries(archive, entries).then(
    () => archive.finalize(),
    (err: unknown) => archive.destroy(err as Error),
  );
  return Readable.from(archive);
}

async function writeEntries(archive: Pack, entries: readonly TarEntry[]): Promise<void> {
  for (const entry of entries) {
    const common = { name: entry.path.replace(/^\.?\/+/, ''), mtime: entry.mtime ?? EPOCH, uid: 0, gid: 0, uname: '', gname: '' };
    switch (entry.type) {
      case 'directory':
        await addEntry(archive, { ...common, type: 'directory', mode: entry.mode ?? DEFAULT_DIRECTORY_MODE });
        break;
      case 'symlink':
        await addEntry(archive, { ...common, type: 'symlink', linkname: entry.target, mode: SYMLINK_MODE });
        break;
      case 'file': {
        const header = { ...common, type: 'file' as const, mode: entry.mode ?? DEFAULT_FILE_MODE };
        if ('content' in entry) await addEntry(archive, header, Buffer.from(entry.content));
        else await addFileEntry(archive, header, entry.source);
        break;
      }
    }
  }
}

type Header = Parameters<Pack['entry']>[0];

function addEntry(archive: Pack, header: Header, content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error | null) => (err ? reject(err) : resolve());
    if (content) archive.entry({ ...header, size: content.length }, content, done);
    else archive.entry(header, done);
  });
}

/** Streams the file in, so a large binary is never held in memory. */
async function addFileEntry(archive: Pack, header: Header, source: string): Promise<void> {
  const { size } = await stat(source);
  await new Promise<void>((resolve, reject) => {
    const sink = archive.entry({ ...header, size }, (err) => (err ? reject(err) : resolve()));
    const input = createReadStream(source);
    input.on('error', (err) => {
      sink.destroy(err);
      reject(new Error(`cannot read ${source} for ${header.name}: ${err.message}`));
    });
    input.pipe(sink);
  });
}
