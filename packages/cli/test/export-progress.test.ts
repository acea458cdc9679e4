import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createExportProgress } from '../src/internal/export-progress.js';

function stream(tty: boolean): Writable & { text: string; isTTY?: boolean } {
  const out = new Writable({
    write(chunk: Buffer, _enc, done): void {
      out.text += chunk.toString('utf8');
      done();
    },
  }) as Writable & { text: string; isTTY?: boolean };
  out.text = '';
  if (tty) out.isTTY = true;
  return out;
}

describe('tsbatch export progress on stderr (issue 16, DESIGN: a bar on a TTY, plain lines otherwise)', () => {
  it('rewrites one line in place on a terminal, at most every 250 ms, and clears it at the end', () => {
    let now = 0;
    const err = stream(true);
    const p = createExportProgress(err, 'db.tbl', () => now);
    now = 100;
    p.update(1_000); // too soon: nothing
    now = 1_000;
    p.update(300_000);
    now = 2_000;
    p.update(600_000);
    p.stop();
    expect(err.text).toBe(
      '\r\x1b[2Kexport db.tbl: 300,000 records, 300,000 records/s, 1 s' +
        '\r\x1b[2Kexport db.tbl: 600,000 records, 300,000 records/s, 2 s' +
        '\r\x1b[2K',
    );
  });

  it('writes a plain line every 10 s elsewhere (a log, a pipe), and nothing for a short export', () => {
    let now = 0;
    const err = stream(false);
    const p = createExportProgress(err, 'db.tbl', () => now);
    now = 5_000;
    p.update(1_000_000);
    expect(err.text).toBe('');
    now = 10_000;
    p.update(2_000_000);
    now = 15_000;
    p.update(3_000_000);
    now = 20_000;
    p.update(4_000_000);
    p.stop();
    expect(err.text).toBe(
      'export db.tbl: 2,000,000 records, 200,000 records/s, 10 s\n' +
        'export db.tbl: 4,000,000 records, 200,000 records/s, 20 s\n',
    );
  });
});
