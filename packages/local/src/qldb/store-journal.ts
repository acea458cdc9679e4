/**
 * The `JournalReader` of today's store: a ledger is a database of the LocalStore (R-QLDB-2), its blocks are in the
 * journal log the write path appends to (internal/journal-log.ts). The one adapter to replace when the store does.
 */
import { ServiceError } from '../errors.js';
import type { LocalStore } from '../store.js';
import type { JournalLogs } from '../internal/journal-logs.js';
import type { JournalBlock, JournalReader, LedgerInfo } from './journal-block.js';

export function storeJournalReader(store: LocalStore, journals: JournalLogs): JournalReader {
  const creationOf = (ledger: string): string | undefined => {
    try {
      return store.getDatabase(ledger).CreationTime;
    } catch (error) {
      if (error instanceof ServiceError && error.type === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  };
  return {
    ledger(name: string): LedgerInfo | undefined {
      const created = creationOf(name);
      if (created === undefined) return undefined;
      return { creationTime: new Date(created), strandId: journals.strandIdOf(name, created) };
    },
    async *blocks(ledger: string, from: Date, to: Date, signal?: AbortSignal): AsyncGenerator<JournalBlock> {
      const created = creationOf(ledger);
      if (created === undefined) return; // deleted meanwhile: its journal is gone with it
      const log = await journals.of(ledger, created);
      yield* log.read(from, to, signal);
    },
  };
}
