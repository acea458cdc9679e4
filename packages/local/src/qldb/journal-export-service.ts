/**
 * R-QLDB-1..4 wired for a server: the export registry of the data folder, the exporter that runs exports, and the
 * QLDB API that answers requests, all over the store's journal (journal-source.ts).
 */
import type { ExportBuckets } from './bucket-objects.js';
import { ExportRegistry } from './export-registry.js';
import { JournalExporter } from './journal-exporter.js';
import type { JournalSource } from './journal-source.js';
import { QldbApi } from './qldb-api.js';

export interface JournalExportServiceOptions {
  dataDir: string;
  source: JournalSource;
  /** Where the buckets are: folders under `--s3-root`, or an object store (S3); null: none. */
  buckets: ExportBuckets | null;
  clock: () => Date;
  maxObjectBytes: number;
  log: (line: string) => void;
}

export interface JournalExportService {
  api: QldbApi;
  exporter: JournalExporter;
}

export async function openJournalExportService(
  o: JournalExportServiceOptions,
): Promise<JournalExportService> {
  const registry = await ExportRegistry.open(o.dataDir);
  const exporter = new JournalExporter({
    registry,
    source: o.source,
    buckets: o.buckets,
    maxObjectBytes: o.maxObjectBytes,
    log: o.log,
  });
  const api = new QldbApi({ registry, exporter, source: o.source, clock: o.clock, buckets: o.buckets });
  return { api, exporter };
}
