// Small files that must survive a power cut whole: written to a temporary name, flushed, then renamed
// over the old one (rename is atomic on POSIX file systems), so a reader sees the old or the new
// content, never half of it.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';

export function writeFileDurably(file: string, content: string): void {
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
