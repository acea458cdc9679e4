/** Shared by the read-rows tests: run the reader over bytes and show its events compactly. */
import { expect } from 'vitest';

import { readCsvBytes } from '../src/index.js';
import type { ReadOptions, ResolvedCsvOptions, SourceEvent, SourceFile } from '../src/index.js';

export const CSV: ResolvedCsvOptions = {
  columnSeparator: ',',
  quoteChar: '"',
  escapeChar: null,
  nullValue: null,
  trimWhiteSpace: false,
};

export const FILE: SourceFile = { key: 'data/f.csv', path: '/nowhere/f.csv', size: 0 };

export function bytes(input: string | Uint8Array | number[]): Uint8Array {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  return input instanceof Uint8Array ? input : Uint8Array.from(input);
}

/** `input` cut at the given offsets. */
export function splitAt(input: Uint8Array, points: number[]): Uint8Array[] {
  const cuts = [...new Set(points.filter((p) => p > 0 && p < input.length))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const cut of [...cuts, input.length]) {
    chunks.push(input.subarray(from, cut));
    from = cut;
  }
  return chunks;
}

/** `input` in chunks of `size` bytes. */
export function chunksOf(input: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < input.length; i += size) chunks.push(input.subarray(i, i + size));
  return chunks;
}

/** All events of readCsvBytes over `chunks` (default: the whole input as one chunk). */
export async function collect(
  input: string | Uint8Array | number[] | Uint8Array[],
  csv: Partial<ResolvedCsvOptions> = {},
  options: ReadOptions = {},
): Promise<SourceEvent[]> {
  const chunks =
    Array.isArray(input) && input[0] instanceof Uint8Array
      ? (input as Uint8Array[])
      : [bytes(input as string)];
  const events: SourceEvent[] = [];
  for await (const batch of readCsvBytes(FILE, chunks, { ...CSV, ...csv }, options)) {
    expect(batch.length).toBeGreaterThan(0);
    events.push(...batch);
  }
  return events;
}

/** One line per event: `start [...]`, `row 2-3 [...]`, `CSV_X 4-4`, `FILE_X @5`, `end`. */
export function show(events: SourceEvent[]): string[] {
  return events.map((e) => {
    switch (e.type) {
      case 'file-start':
        return `start ${JSON.stringify(e.header)}`;
      case 'row':
        return `row ${e.line}-${e.lastLine} ${JSON.stringify(e.cells)}`;
      case 'row-failure':
        return `${e.failure.code} ${e.line}-${e.lastLine}`;
      case 'file-failure':
        return e.line === undefined ? e.failure.code : `${e.failure.code} @${e.line}`;
      case 'file-end':
        return 'end';
    }
  });
}

export async function read(
  input: string | Uint8Array | number[] | Uint8Array[],
  csv: Partial<ResolvedCsvOptions> = {},
  options: ReadOptions = {},
): Promise<string[]> {
  return show(await collect(input, csv, options));
}
