/**
 * R-VAL-6 for names a proposal writes (tsbatch init): a CSV column name made into a legal dimension, attribute or
 * measure name. The rules are the validator's (check-names.ts); the proposal also avoids the `measure_name` prefix,
 * which SPEC R-VAL-6 reserves (the quotas page's "System identifiers") but the check accepts.
 */
import {
  MAX_DIMENSION_NAME_BYTES,
  MAX_MEASURE_NAME_BYTES,
  RESERVED_NAMES,
  RESERVED_PREFIXES,
} from '../internal/check-names.js';

export type NameKind = 'dimension' | 'attribute' | 'measure';

/** Why a name was changed, in words for the report. */
export interface NameChange {
  from: string;
  to: string;
  why: string;
}

const PREFIXES = RESERVED_PREFIXES;

function isReserved(name: string): boolean {
  return (RESERVED_NAMES as readonly string[]).includes(name) || PREFIXES.some((p) => name.startsWith(p));
}

/** The longest prefix of `text` that fits `bytes` in UTF-8, cut between code points. */
function cutToBytes(text: string, bytes: number): string {
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > bytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/** Makes names legal and unique among everything one record writes (dimensions and measures share columns). */
export class NameLegalizer {
  private readonly used = new Set<string>();
  readonly changes: NameChange[] = [];

  /** Reserves a name given as is (e.g. a user's --measure-name after its own check). */
  legal(source: string, kind: NameKind): string {
    const limit = kind === 'dimension' ? MAX_DIMENSION_NAME_BYTES : MAX_MEASURE_NAME_BYTES;
    const why: string[] = [];
    let name = source;
    if (name.includes(':')) {
      name = name.replaceAll(':', '_');
      why.push("names may not contain ':'");
    }
    if (isReserved(name)) {
      const stripped = name.startsWith('ts_') ? name.slice(3) : '';
      why.push(
        `"${name}" is reserved by Timestream or starts with a reserved prefix (${[...RESERVED_NAMES, ...PREFIXES].join(', ')})`,
      );
      name = stripped !== '' && !isReserved(stripped) ? stripped : `col_${name}`;
    }
    if (Buffer.byteLength(name, 'utf8') > limit) {
      name = cutToBytes(name, limit);
      why.push(`${kind} names are at most ${limit} bytes in UTF-8`);
    }
    if (this.used.has(name)) {
      let n = 2;
      const base = name;
      while (this.used.has(name)) {
        const suffix = `_${n++}`;
        name = cutToBytes(base, limit - suffix.length) + suffix;
      }
      why.push(
        'another column already writes that name (dimension and measure names share the table columns)',
      );
    }
    this.used.add(name);
    if (name !== source) this.changes.push({ from: source, to: name, why: why.join('; ') });
    return name;
  }
}
