import { execFile, execFileSync } from 'node:child_process';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startTestServer, tempDir } from './helpers.js';

const exec = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLES = path.resolve(HERE, '../../../examples');
const NOW = new Date('2024-05-01T01:00:00.000Z');

function hasBoto3(): boolean {
  try {
    execFileSync('python3', ['-c', 'import boto3'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const boto3 = hasBoto3();
if (!boto3) {
  console.warn('boto3 peer test skipped: `python3 -c "import boto3"` failed (install boto3 to run it).');
}

interface PeerSummary {
  table_status: string;
  ingested: { Total: number; MemoryStore: number; MagneticStore: number };
  rejected: { status: number; code: string; records: unknown[] } | null;
  describe_table: { retention: unknown; magnetic: unknown; creation_time_type: string };
  describe_database_tables: number;
  not_found: { status: number; code: string } | null;
  tasks: { status: string; progress: Record<string, number> }[];
  task_pages: string[][];
  task_ids: string[];
  database_pages: string[][];
}

describe.skipIf(!boto3)('a second client: boto3 (R-LOCAL-1)', () => {
  it('creates, writes (with a rejection), describes, runs batch loads to SUCCEEDED and pages lists', async () => {
    const s3Root = tempDir('tsbatch-s3-');
    cpSync(path.join(EXAMPLES, 'fleet/s3'), s3Root, { recursive: true });
    const t = await startTestServer({ s3Root, clock: () => NOW });
    try {
      const { stdout } = await exec(
        'python3',
        [
          path.join(HERE, 'peers/boto3_peer.py'),
          t.server.url,
          path.join(EXAMPLES, 'fleet/task.json'),
          String(NOW.getTime()),
        ],
        { timeout: 30_000 },
      );
      const out = JSON.parse(stdout) as PeerSummary;
      expect(out.table_status).toBe('ACTIVE');
      expect(out.ingested).toEqual({ Total: 2, MemoryStore: 2, MagneticStore: 0 });
      expect(out.rejected).toEqual({
        status: 419,
        code: 'RejectedRecordsException',
        records: [
          {
            RecordIndex: 0,
            Reason:
              'A record already exists with the same time, dimensions, measure name, and record version. A higher record version must be specified in order to update the measure value. Specifying record version is supported by the latest SDKs.',
            ExistingVersion: 1,
          },
        ],
      });
      expect(out.describe_table).toEqual({
        retention: { MemoryStoreRetentionPeriodInHours: 1, MagneticStoreRetentionPeriodInDays: 3650 },
        magnetic: { EnableMagneticStoreWrites: true },
        creation_time_type: 'datetime',
      });
      expect(out.describe_database_tables).toBe(1);
      expect(out.not_found).toEqual({ status: 400, code: 'ResourceNotFoundException' });
      expect(out.tasks.map((x) => x.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(out.tasks[0]!.progress).toMatchObject({
        RecordsProcessed: 12,
        RecordsIngested: 12,
        ParseFailures: 0,
      });
      expect(out.task_pages).toEqual([[out.task_ids[1]], [out.task_ids[0]]]);
      expect(out.database_pages).toEqual([['BatchLoadExampleDatabase'], ['peer_second']]);
    } finally {
      await t.close();
    }
  }, 40_000);
});
