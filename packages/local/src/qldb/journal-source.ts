/**
 * R-QLDB-2: what the QLDB export needs of the store. A ledger is a database of the endpoint (its CreationTime is the
 * ledger's); its journal is the store's journal of committed writes (internal/journal-writer.ts), one strand per
 * ledger named by the database's id [choice]. The export's worker reads that journal from the store's file on a
 * read-only connection of its own, so this is all the main thread hands over.
 */
import path from 'node:path';
import { ServiceError } from '../errors.js';
import { STORE_FILE } from '../internal/store-db.js';
import type { LocalStore } from '../store.js';

/** A ledger as the export needs it. */
export interface LedgerInfo {
  /** The ledger's CreationTime (its database's): an earlier export start defaults to it (R-QLDB-3). */
  creationTime: Date;
  /** Its one strand, named in the completed manifest even when no block is in range. */
  strandId: string;
}

export interface JournalSource {
  /** The ledger, or undefined when there is no such ledger (database). */
  ledger(name: string): LedgerInfo | undefined;
  /** The store's SQLite file, which holds the journal. */
  readonly storeFile: string;
}

export function storeJournalSource(store: LocalStore): JournalSource {
  return {
    storeFile: path.join(store.dataDir, STORE_FILE),
    ledger(name: string): LedgerInfo | undefined {
      try {
        const created = store.getDatabase(name).CreationTime;
        return { creationTime: new Date(created), strandId: store.ledgerId(name) };
      } catch (error) {
        if (error instanceof ServiceError && error.type === 'ResourceNotFoundException') return undefined;
        throw error;
      }
    },
  };
}
