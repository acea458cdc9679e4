// Child process: DuckDB's `count(*)` over `read_csv` of FILE, all cores: the reference of what parsing a CSV can
// cost (a columnar engine in C++), not a goal. Prints {rows, seconds, maxRssKiB, threads} (rows counts data rows),
// or {skipped: reason} when @duckdb/node-api cannot be loaded (no prebuilt binary for this platform).
import type * as DuckDB from '@duckdb/node-api';

const file = process.argv[2]!;

let duckdb: typeof DuckDB;
try {
  duckdb = await import('@duckdb/node-api');
} catch (error) {
  process.stdout.write(
    `${JSON.stringify({ skipped: `@duckdb/node-api cannot be loaded (${String(error)})` })}\n`,
  );
  process.exit(0);
}

const started = performance.now();
const instance = await duckdb.DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const literal = `'${file.replaceAll("'", "''")}'`;
const reader = await connection.runAndReadAll(
  `SELECT count(*) AS n, current_setting('threads') AS threads FROM read_csv(${literal})`,
);
const seconds = (performance.now() - started) / 1000;
const [n, threads] = reader.getRows()[0]!;
connection.closeSync();
instance.closeSync();
process.stdout.write(
  `${JSON.stringify({ rows: Number(n), seconds, maxRssKiB: process.resourceUsage().maxRSS, threads: Number(threads) })}\n`,
);
