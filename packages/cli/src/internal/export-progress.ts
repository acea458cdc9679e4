/**
 * Progress of `tsbatch export` on stderr (DESIGN: a bar on a TTY, plain lines otherwise). The number of records in
 * the range is not known before the end, so a terminal gets one line rewritten in place (records, rate, time) and
 * anything else a plain line every PLAIN_EVERY_MS [choice]; an export shorter than that prints none.
 */

const TTY_EVERY_MS = 250;
const PLAIN_EVERY_MS = 10_000;

export interface ExportProgress {
  /** Records written so far. */
  update(records: number): void;
  /** Clears the terminal line (the summary follows). */
  stop(): void;
}

export function createExportProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  what: string,
  now: () => number = Date.now,
): ExportProgress {
  const tty = stream.isTTY === true;
  const started = now();
  let last = started;
  let shown = false;
  const line = (records: number): string => {
    const seconds = (now() - started) / 1000;
    const rate = seconds > 0 ? Math.round(records / seconds) : 0;
    return (
      `export ${what}: ${records.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')} records/s, ` +
      `${seconds.toFixed(0)} s`
    );
  };
  return {
    update(records: number): void {
      const t = now();
      if (t - last < (tty ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
      last = t;
      if (tty) {
        stream.write(`\r\x1b[2K${line(records)}`);
        shown = true;
      } else {
        stream.write(`${line(records)}\n`);
      }
    },
    stop(): void {
      if (tty && shown) stream.write('\r\x1b[2K');
    },
  };
}
