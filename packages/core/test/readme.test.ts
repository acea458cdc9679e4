import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CSV_PARSE_FAILURE_CODES,
  DUPLICATE_CHECK_ERROR_CODES,
  FILE_FAILURE_CODES,
  INGESTION_FAILURE_CODES,
  LOAD_WARNING_CODES,
  MAP_PARSE_FAILURE_CODES,
  SOURCE_ERROR_CODES,
  TASK_STORE_ERROR_CODES,
} from '../src/index.js';

// STYLE rule 5: codes are API, each listed in the package README with its meaning and fix.
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const documented = new Set([...readme.matchAll(/^\| `([A-Z0-9_]+)`\s+\|/gm)].map((m) => m[1]!));

describe('packages/core/README.md', () => {
  const codes = [
    ...FILE_FAILURE_CODES,
    ...CSV_PARSE_FAILURE_CODES,
    ...MAP_PARSE_FAILURE_CODES,
    ...INGESTION_FAILURE_CODES,
    ...TASK_STORE_ERROR_CODES,
    ...SOURCE_ERROR_CODES,
    ...DUPLICATE_CHECK_ERROR_CODES,
    ...LOAD_WARNING_CODES,
  ];

  it.each(codes)('documents %s', (code) => {
    expect(documented.has(code)).toBe(true);
  });

  it('documents no code that does not exist', () => {
    expect([...documented].filter((c) => !codes.includes(c as never))).toEqual([]);
  });
});
