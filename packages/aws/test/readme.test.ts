import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { AWS_ERROR_CODES } from '../src/index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The codes of the README's error table: `| \`CODE\` | meaning | fix |`. */
function documented(): string[] {
  return [...README.matchAll(/^\| `([A-Z][A-Z0-9_]+)` *\|/gm)].map((m) => m[1]!);
}

// STYLE rules 5 and 10: codes are API, and their documentation cannot rot.
describe('the package README', () => {
  it('documents every error code, and no other', () => {
    expect([...documented()].sort()).toEqual([...AWS_ERROR_CODES].sort());
  });
});
