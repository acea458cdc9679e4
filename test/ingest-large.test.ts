import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { dryRun, resolveSource, type ResolvedTask } from '@tsbatch/core';
import { ensureTargetTable, ingest } from '@tsbatch/ingest';
import { validateTask } from '@tsbatch/validator';
import { afterAll, describe, expect, it } from 'vitest';
import { endpoint, RecordDigest, ROOT, tempDir } from './ingest-helpers.js';

// The acceptance's generated 1M-row file runs with TSBATCH_LONG=1; CI runs the same test on 100k rows.
const LONG = process.env.TSBATCH_LONG === '1';
const ROWS = LONG ? 1_000_000 : 100_000;
const CREDENTIALS = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' };
const open: Awaited<ReturnType<typeof endpoint>>[] = [];
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
});

/** ROWS rows of the fleet model over two files, with a bad value every 10,007 rows. */
async function generate(root: string): Promise<void> {
  const folder = path.join(root, 'test-batch-load-west-2', 'fleet');
  mkdirSync(folder, { recursive: true });
  for (let f = 0; f < 2; f++) {
    const out = createWriteStream(path.join(folder, `part-${f}.csv`));
    out.write('timestamp,vehicle,registration,wgt,spd,fuel_consumption,miles\n');
    const half = ROWS / 2;
    let chunk = '';
    for (let i = 0; i < half; i++) {
      const n = f * half + i;
      chunk +=
        n % 10_007 === 5
          ? `${1714521600 + n},Truck-${n % 500},TX,n/a,1,1,1\n`
          : `${1714521600 + n},Truck-${n % 500},TX-${n % 13},${n % 9000}.5,${n % 120},${n % 40}.25,${n}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.end(chunk);
    await once(out, 'close');
  }
}

describe(`ingest of a generated ${ROWS.toLocaleString('en-US')}-row load`, () => {
  it(
    'stores exactly the dry run records, each once, with the dry run ProgressReport (R-ING-1, R-COUNT-1)',
    async () => {
      const root = tempDir('tsbatch-large-s3-');
      await generate(root);
      const json: unknown = JSON.parse(readFileSync(path.join(ROOT, 'examples/fleet/task.json'), 'utf8'));
      const location = { source: path.join(root, 'test-batch-load-west-2', 'fleet') };
      const validated = await validateTask(json, { location });
      const task: ResolvedTask = validated.task!;
      const resolved = await resolveSource(task.source, location);
      if (!resolved.ok) throw new Error(resolved.error.message);

      const predicted = new RecordDigest();
      const dry = await dryRun(task, resolved.source, {
        onRecords: (_f, _l, records) => records.forEach((r) => predicted.add(r)),
      });

      const srv = await endpoint();
      open.push(srv);
      const where = { endpoint: srv.url, credentials: CREDENTIALS };
      await ensureTargetTable(
        { ...where, database: task.database, table: task.table },
        { enableMagneticStoreWrites: true },
      );
      const result = await ingest(task, resolved.source, { ...where, threads: 2 });

      const stored = new RecordDigest();
      for await (const record of srv.store.records(task.database, task.table)) {
        stored.add({ ...record, Version: Number(record.Version) }); // exact in the store; small here
      }
      expect(result.progress).toEqual(dry.progress);
      expect(result.progress.ParseFailures).toBe(Math.ceil((ROWS - 5) / 10_007));
      expect(stored.count).toBe(result.progress.RecordsIngested);
      expect(stored.value).toBe(predicted.value);
      expect(result.stats.recordsSent).toBe(result.progress.RecordsIngested);
    },
    LONG ? 1_800_000 : 180_000,
  );
});
