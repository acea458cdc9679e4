import Database from 'better-sqlite3';
import { mkdirSync, rmSync } from 'node:fs';
import { readJournalPages } from './dist/internal/journal-reader.js';
import { exportJournal } from './dist/qldb/export-journal.js';
const [file, format] = process.argv.slice(2);
const db = new Database(file, { readonly: true });
const ledger = db.prepare('SELECT ledger FROM blocks LIMIT 1').pluck().get();
db.close();
const root = '/tmp/pserve/s3'; rmSync(root, { recursive: true, force: true }); mkdirSync(`${root}/b`, { recursive: true });
const entry = { ExportId: 'x', LedgerName: 'l', InclusiveStartTime: 0, ExclusiveEndTime: Date.now(), OutputFormat: format,
  S3ExportConfiguration: { Bucket: 'b', Prefix: 'p/', EncryptionConfiguration: { ObjectEncryptionType: 'NO_ENCRYPTION' } }, outputFormatGiven: true };
const progress = { blocks: 0, revisions: 0, objects: 0 };
const t = performance.now();
const c0 = process.cpuUsage();
await exportJournal(entry, { pages: readJournalPages(file, ledger, { start: new Date(0), end: new Date() }), strandId: ledger, s3Root: root, maxObjectBytes: 64 << 20, progress });
const s = (performance.now() - t) / 1000; const cpu = process.cpuUsage(c0);
console.log(format, progress.revisions, 'rev', s.toFixed(2), 's', Math.round(progress.revisions / s), 'rev/s; cpu', ((cpu.user + cpu.system) / 1e6).toFixed(2));
