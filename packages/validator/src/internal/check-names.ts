/**
 * R-VAL-6: the names a task writes (after defaults), measured in UTF-8 bytes, compared case-sensitively.
 */
import type { IssueList } from './issues.js';
import { quote } from './json.js';

export interface WrittenName {
  kind: 'dimension' | 'attribute' | 'measure';
  name: string;
  /** Pointer of the member the name comes from (DestinationColumn, or SourceColumn when that is defaulted). */
  path: string;
  /** Attributes: the record they belong to (names must be unique within one record). */
  record?: string;
}

export const MAX_DIMENSION_NAME_BYTES = 60;
export const MAX_MEASURE_NAME_BYTES = 256;
export const RESERVED_NAMES = ['time', 'measure_name', 'measure_value', 'ts_non_existent_col'] as const;
/** R-VAL-6: `ts_` and `measure_name` (ts-limits, System identifiers), `measure_value` (AWS IoT's restatement). */
export const RESERVED_PREFIXES = ['ts_', 'measure_name', 'measure_value'] as const;

const LABEL = { dimension: 'dimension name', attribute: 'attribute name', measure: 'measure name' } as const;

export function checkNames(names: WrittenName[], issues: IssueList): void {
  for (const entry of names) checkOne(entry, issues);

  const dimensions = new Map<string, WrittenName>();
  for (const entry of names) {
    if (entry.kind !== 'dimension') continue;
    const first = dimensions.get(entry.name);
    if (first === undefined) dimensions.set(entry.name, entry);
    else
      issues.error(
        'NAME_DUPLICATE_DIMENSION',
        entry.path,
        `dimension name ${quote(entry.name)} is already written by ${first.path}; dimension names must be unique`,
      );
  }

  const attributes = new Map<string, WrittenName>();
  for (const entry of names) {
    if (entry.kind !== 'attribute') continue;
    const key = `${entry.record ?? ''}\u0000${entry.name}`;
    const first = attributes.get(key);
    if (first === undefined) attributes.set(key, entry);
    else
      issues.error(
        'NAME_DUPLICATE_ATTRIBUTE',
        entry.path,
        `attribute name ${quote(entry.name)} is already written by ${first.path} in the same record`,
      );
  }

  for (const entry of names) {
    if (entry.kind === 'dimension') continue;
    const dimension = dimensions.get(entry.name);
    if (dimension !== undefined)
      issues.error(
        'NAME_DIMENSION_CLASH',
        entry.path,
        `${LABEL[entry.kind]} ${quote(entry.name)} equals the dimension name written by ${dimension.path}; dimensions and measures share the table's columns`,
      );
  }
}

function checkOne(entry: WrittenName, issues: IssueList): void {
  const { name, path, kind } = entry;
  const label = LABEL[kind];
  if ((RESERVED_NAMES as readonly string[]).includes(name)) {
    issues.error(
      'NAME_RESERVED',
      path,
      `${label} ${quote(name)} is reserved by Timestream; choose another name`,
    );
  } else {
    const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
    if (prefix !== undefined)
      issues.error(
        'NAME_RESERVED_PREFIX',
        path,
        `${label} ${quote(name)} starts with the reserved prefix ${quote(prefix)}; choose another name`,
      );
  }
  if (name.includes(':'))
    issues.error('NAME_HAS_COLON', path, `${label} ${quote(name)} must not contain ':'`);
  const limit = kind === 'dimension' ? MAX_DIMENSION_NAME_BYTES : MAX_MEASURE_NAME_BYTES;
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > limit)
    issues.error(
      'NAME_TOO_LONG',
      path,
      `${label} is ${bytes} bytes in UTF-8; at most ${limit} bytes are allowed`,
    );
}
