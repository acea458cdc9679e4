/**
 * STYLE rule 13, R-QLDB-4: the journal export's record transcoder (src/qldb/record-transcoder.ts) writes a stored
 * record's text as Ion without JSON.parse; it must hand the writer exactly the calls, with exactly the values, that
 * `writeRecordIon(w, parseRecordJson(text))` makes, for the texts the store writes (recordJson) and for any other
 * JSON text of a record (other spacing, member order, escapes), which take the parsing path. Checked on a writer
 * that records its calls, so it holds for Ion text and binary alike (the writers are held to ion-js elsewhere).
 * The seed is printed; FC_SEED=<seed> replays it.
 */
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { recordJson, type IonWriter, type StoredRecord } from '../../src/index.js';
import type { IonDecimalValue, IonTimestampValue } from '../../src/internal/ion-writer.js';
import { writeRecordIon } from '../../src/internal/record-ion.js';
import { parseRecordJson } from '../../src/internal/record-json.js';
import { writeRecordIonOfJson } from '../../src/qldb/record-transcoder.js';
import { storedRecord } from '../stored-record-arb.js';

const SEED = Number(process.env['FC_SEED'] ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env['TSBATCH_FUZZ_RUNS'] ?? 300);
console.log(`record transcoder: seed ${SEED} (FC_SEED=${SEED} to repeat)`);

/** A writer that keeps its calls (ints as their digits: a number and a bigint of one value write alike). */
class CallLog implements IonWriter {
  readonly calls: unknown[][] = [];
  stepInStruct(): void {
    this.calls.push(['stepInStruct']);
  }
  stepInList(): void {
    this.calls.push(['stepInList']);
  }
  stepOut(): void {
    this.calls.push(['stepOut']);
  }
  field(name: string): void {
    this.calls.push(['field', name]);
  }
  string(value: string): void {
    this.calls.push(['string', value]);
  }
  int(value: bigint | number): void {
    expect(typeof value === 'bigint' || Number.isSafeInteger(value)).toBe(true);
    this.calls.push(['int', String(value)]);
  }
  decimal(value: IonDecimalValue): void {
    this.calls.push(['decimal', { ...value }]);
  }
  timestamp(value: IonTimestampValue): void {
    this.calls.push(['timestamp', { ...value }]);
  }
  bool(value: boolean): void {
    this.calls.push(['bool', value]);
  }
  blob(value: Uint8Array): void {
    this.calls.push(['blob', Buffer.from(value).toString('hex')]);
  }
  endValue(): void {
    this.calls.push(['endValue']);
  }
  take(): Uint8Array {
    return new Uint8Array();
  }
}

/** What the transcoder makes of a text: its calls and the Version it answers, or the error it throws. */
function transcoded(text: string): { calls: unknown[][]; version: string } | { error: string } {
  const w = new CallLog();
  try {
    const version = writeRecordIonOfJson(w, text);
    return { calls: w.calls, version: String(version) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** The same through JSON.parse (parseRecordJson) and writeRecordIon: the oracle. */
function parsed(text: string): { calls: unknown[][]; version: string } | { error: string } {
  const w = new CallLog();
  try {
    const record = parseRecordJson(text);
    writeRecordIon(w, record, false);
    return { calls: w.calls, version: String(record.Version) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A record's JSON text with its members in another order (Version exact, last or not). */
function reordered(r: StoredRecord, order: number[]): string {
  const members = Object.entries(r).map(([k, v]) =>
    k === 'Version' ? `"Version":${String(v)}` : `${JSON.stringify(k)}:${JSON.stringify(v)}`,
  );
  return `{${order.map((i) => members[i % members.length]!).join(',')}}`;
}

describe('the record transcoder makes the calls JSON.parse and writeRecordIon make (R-QLDB-4, STYLE rule 13)', () => {
  it('for every text the store writes (recordJson), with its Version', () => {
    fc.assert(
      fc.property(storedRecord, (r) => {
        const text = recordJson(r);
        const parse = vi.spyOn(JSON, 'parse');
        const mine = transcoded(text);
        // The shortcut is taken: without an escape in the text, nothing is parsed.
        if (!text.includes('\\')) expect(parse).not.toHaveBeenCalled();
        parse.mockRestore();
        expect(mine).toEqual(parsed(text));
        expect(mine).toMatchObject({ version: String(r.Version) });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('for texts of other shapes: spacing, member order, a member missing, escapes in names', () => {
    const variant = fc.oneof(
      fc.constant((t: string) => t.replace(/,"/g, ', "')),
      fc.constant((t: string) => ` ${t}`),
      fc.constant((t: string) => `${t} `),
      fc.constant((t: string) => t.replace('"Time"', '"\\u0054ime"')),
      fc.constant((t: string) => t.replace('"Version":', '"Version": ')),
      fc.constant((t: string) => t.replace(/"Version":(\d+)/, '"Version":$1.0')),
      fc.constant((t: string) => t.replace(/"Version":(\d+)/, '"Version":0$1')),
      fc.constant((t: string) => t.replace(/,"TimeUnit":"[A-Z]+"/, '')),
      fc.constant((t: string) => t.replace(/"TimeUnit":"[A-Z]+"/, '"TimeUnit":"toString"')),
      fc.constant((t: string) => t.replace('"DOUBLE"', '"DOUBL\\u0045"')),
      fc.constant((t: string) => t.slice(0, -1)),
      // A raw control character in a string: JSON.parse refuses it, and so must the shortcut.
      fc.constant((t: string) => t.replace('"MeasureName":"', '"MeasureName":"\u0001')),
    );
    fc.assert(
      fc.property(storedRecord, variant, (r, change) => {
        const text = change(recordJson(r));
        expect(transcoded(text)).toEqual(parsed(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
    fc.assert(
      fc.property(storedRecord, fc.array(fc.nat(20), { minLength: 1, maxLength: 10 }), (r, order) => {
        const text = reordered(r, order);
        expect(transcoded(text)).toEqual(parsed(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('for strings with quotes, backslashes, control characters and lone surrogates in every member', () => {
    const nasty = fc.constantFrom(
      '"',
      '\\',
      '\\"',
      '\n',
      '\u0000',
      '\ud800',
      '\udc00x',
      '😀',
      'é',
      '\\u0041',
    );
    fc.assert(
      fc.property(storedRecord, nasty, fc.nat(), (r, s, at) => {
        const dims = r.Dimensions.map((d, i) =>
          i === at % r.Dimensions.length ? { ...d, Name: `${d.Name}${s}`, Value: `${s}${d.Value}` } : d,
        );
        const changed: StoredRecord = { ...r, Dimensions: dims, MeasureName: `${s}${r.MeasureName}${s}` };
        const text = recordJson(changed);
        expect(transcoded(text)).toEqual(parsed(text));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
