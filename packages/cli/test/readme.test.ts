import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI_ERROR_CODES } from '../src/internal/cli-error.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

// STYLE rule 5: the CLI's error codes are API, each in the README's table with its exit code.
describe('the cli README', () => {
  const rows = new Map(
    [...README.matchAll(/^\| `([A-Z][A-Z0-9_]+)` *\| (\d+) *\|/gm)].map((m) => [m[1]!, Number(m[2])]),
  );

  it('documents every error code, and no other', () => {
    expect(CLI_ERROR_CODES.filter((code) => !rows.has(code))).toEqual([]);
    expect([...rows.keys()].filter((code) => !(CLI_ERROR_CODES as readonly string[]).includes(code))).toEqual(
      [],
    );
  });
});
