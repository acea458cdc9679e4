import type { InferResult } from '@tsbatch/validator';

const TOPICS = [
  ['source', 'Data'],
  ['csv', 'CSV options'],
  ['time', 'Time'],
  ['dimension', 'Dimensions'],
  ['measure', 'Measures'],
  ['name', 'Names'],
] as const;

/** The report beside the proposed task: a comment per choice, then what a dry run of it would refuse. */
export function formatInitReport(data: string, result: InferResult): string {
  const lines: string[] = [`tsbatch init ${data}`];
  for (const [topic, title] of TOPICS) {
    const notes = result.notes.filter((n) => n.topic === topic);
    if (notes.length === 0) continue;
    lines.push('', `${title}:`);
    for (const n of notes) lines.push(`  - ${n.text}`);
  }
  if (result.problem !== undefined) {
    lines.push('', `No task proposed: ${result.problem.message} [${result.problem.code}]`);
    return `${lines.join('\n')}\n`;
  }
  if (result.warnings.length > 0) {
    lines.push('', 'Validation warnings:');
    for (const w of result.warnings) lines.push(`  - ${w.path}: ${w.message} [${w.code}]`);
  }
  const check = result.check;
  if (check !== undefined) {
    const over = check.over === 'sample' ? 'the rows read' : 'a dry run of every row';
    lines.push('', `Check (${over}): ${check.parseFailures} of ${check.rows} rows would fail to parse.`);
    for (const b of check.bad) {
      lines.push(
        `  - ${b.rows} row${b.rows === 1 ? '' : 's'} ${b.code}${b.column === null ? '' : ` in column ${JSON.stringify(b.column)}`}:`,
      );
      for (const e of b.examples) lines.push(`      ${e.file}:${e.line}  ${e.detail}`);
    }
    const markers = check.bad.filter((b) => b.code === 'VALUE_INVALID' && b.column !== null);
    if (markers.length > 0) {
      lines.push(
        '    If such a cell means "no value", set CsvConfiguration.NullValue to its text (R-CSV-7).',
      );
    }
  }
  if (result.conversion !== null) lines.push('', `Before a load: ${result.conversion}.`);
  lines.push(
    '',
    'Next: check the names, set --database/--table/--bucket/--prefix to your own, then `tsbatch validate` and ' +
      '`tsbatch dry-run` the task against the data.',
  );
  return `${lines.join('\n')}\n`;
}
