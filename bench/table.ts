// The bench's result table: rows of [measure, figure, goal, met], printed as a markdown table for the README.

/** One row of the table: what was measured, its figure, the goal it is held to ('' for none), 'yes'/'NO'/''. */
export type TableRow = [measure: string, figure: string, goal: string, met: string];

export const TABLE_HEADER: TableRow = ['measure', 'figure', 'goal', 'met'];

/** The rows under a header row, as a markdown table (columns padded so it reads as well in a terminal). */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const cells = [TABLE_HEADER, ...rows].map((row) =>
    TABLE_HEADER.map((_, i) => (row[i] ?? '').replaceAll('|', '\\|')),
  );
  const widths = TABLE_HEADER.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (row: string[]): string =>
    `| ${row.map((cell, j) => cell.padEnd(widths[j]!)).join(' | ')} |\n`;
  return (
    line(cells[0]!) +
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n` +
    cells.slice(1).map(line).join('')
  );
}

/** 'yes' when a goal is met, 'NO' (loud on purpose) when not. */
export function met(ok: boolean): string {
  return ok ? 'yes' : 'NO';
}
