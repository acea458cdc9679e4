// Child process: DuckDB `read_csv` of FILE materialising every column (max() of each, so none is pruned), all cores:
// the reference of what parsing a CSV can cost, not a goal. `duckdb-read-child.ts FILE [ESCAPE]`. Prints {rows,
// seconds, maxRssKiB, threads} (rows counts data rows), or {skipped: reason} when @duckdb/node-api cannot be loaded.
import type * as DuckDB from '@duckdb/node-api';

const [file, escape] = process.argv.slice(2) as [string, string | undefined];

let duckdb: typeof DuckDB;
try {
  duckdb = await import('@duckdb/node-api');
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ skipped: `@duckdb/node-api cannot be loaded (${String(error)})` })}\n`,
  );
  process.exit(0);
}

const sql = (text: string): string => `'${text.replaceAll("'", "''")}'`;
const started = performance.now();
const instance = await duckdb.DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const options = `header = true, delim = ',', quote = '"', escape = ${sql(escape ?? '"')}`;
const reader = await connection.runAndReadAll(
  `SELECT count(*) AS n, current_setting('threads') AS threads, max(COLUMNS(*)) FROM read_csv(${sql(file)}, ${options})`,
);
const seconds = (performance.now() - started) / 1000;
const [n, threads] = reader.getRows()[0]!;
connection.closeSync();
instance.closeSync();
process.stdout.write(
  `${JSON.stringify({ rows: Number(n), seconds, maxRssKiB: process.resourceUsage().maxRSS, threads: Number(threads) })}\n`,
);
