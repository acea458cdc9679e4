/**
 * R-SUBMIT-2: cutting the objects under a prefix into groups that each fit one task's quotas and that each are
 * exactly the objects under some key prefix (a batch-load task reads every object under its ObjectKeyPrefix).
 *
 * Top down over the character trie of the keys: a node whose objects fit is one group (no split of it has fewer);
 * one that does not is split by the next character of its keys. A node that is itself a key cannot be split (every
 * prefix that reaches that key reaches the whole node), and neither can a node for which no legal ObjectKeyPrefix
 * exists: their objects are left over, for staging (--stage-prefix).
 */
import type { SourceFile } from '@tsbatch/core';

export interface GroupLimits {
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export interface PrefixGroup {
  prefix: string;
  files: SourceFile[];
}

export interface PrefixSplit {
  groups: PrefixGroup[];
  /** Objects no prefix separates within the quotas (in key order). */
  leftOver: SourceFile[];
}

/** Whether one task may read these objects. */
export function fitsOneTask(files: readonly SourceFile[], limits: GroupLimits): boolean {
  if (files.length > limits.maxFiles) return false;
  let total = 0;
  for (const file of files) {
    if (file.size > limits.maxFileBytes) return false;
    total += file.size;
  }
  return total <= limits.maxTotalBytes;
}

function commonPrefix(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return a.slice(0, i);
}

/**
 * The prefix to name a group by: any string from `min` (the shortest that tells the group from its siblings) to
 * `shared` (its keys' common prefix) selects the same objects. The shortest ending at a `/` reads best, then the
 * whole common prefix (a lone file's key), then any other length; it must match `legal`.
 */
function namePrefix(min: string, shared: string, legal: RegExp): string | null {
  const candidates: string[] = [];
  const slash = shared.indexOf('/', min.length - 1);
  if (slash !== -1) candidates.push(shared.slice(0, slash + 1));
  for (let n = shared.length; n >= min.length; n--) candidates.push(shared.slice(0, n));
  return candidates.find((c) => c.length > 0 && legal.test(c)) ?? null;
}

/** Splits `files` (every key starts with `root`, sorted byte-wise) into prefix groups within `limits`. */
export function splitByPrefix(
  root: string,
  files: readonly SourceFile[],
  limits: GroupLimits,
  legal: RegExp,
): PrefixSplit {
  const out: PrefixSplit = { groups: [], leftOver: [] };
  const visit = (min: string, members: readonly SourceFile[]): void => {
    if (members.length === 0) return;
    const shared = members.reduce((p, f) => commonPrefix(p, f.key), members[0]!.key);
    if (fitsOneTask(members, limits)) {
      const prefix = namePrefix(min, shared, legal);
      if (prefix !== null) {
        out.groups.push({ prefix, files: [...members] });
        return;
      }
    }
    // A key that is the common prefix: every prefix reaching it reaches all the others.
    if (members.some((f) => f.key === shared)) {
      out.leftOver.push(...members);
      return;
    }
    // Children by the next character, in key order (keys sorted by code point keep each child's keys together).
    let start = 0;
    while (start < members.length) {
      const next = members[start]!.key[shared.length]!;
      let end = start + 1;
      while (end < members.length && members[end]!.key[shared.length] === next) end++;
      visit(shared + next, members.slice(start, end));
      start = end;
    }
  };
  visit(root, files);
  return out;
}
