/**
 * R-QLDB-1..4 wired for a server: the export registry of the data folder, the exporter that runs exports, and the
 * QLDB API that answers requests, all over one JournalReader (today: storeJournalReader).
 */
import { ExportRegistry } from './export-registry.js';
import { JournalExporter } from './journal-exporter.js';
import type { JournalReader } from './journal-block.js';
import { QldbApi } from './qldb-api.js';

export interface JournalExportServiceOptions {
  dataDir: string;
  reader: JournalReader;
  s3Root: string | null;
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
    reader: o.reader,
    s3Root: o.s3Root,
    maxObjectBytes: o.maxObjectBytes,
    log: o.log,
  });
  const api = new QldbApi({ registry, exporter, reader: o.reader, clock: o.clock, s3Root: o.s3Root });
  return { api, exporter };
}
