/**
 * R-QLDB-2: the journal of committed writes, for QLDB's journal export. A ledger is a database of the store; its
 * journal is every write committed to any of its tables, in commit order, one block per WriteRecords call and per
 * chunk a batch-load task commits (and per chunk of a folder moved from the old format). Read it from an open store
 * (`store.journal(database, range)`, what `tsbatch serve` uses) or from a data folder (`readJournal`, another
 * process). Blocks are chained with SHA-256 over the inputs defined in internal/journal-hash.ts.
 */
import path from 'node:path';
import { ServiceError } from './errors.js';
import { readCatalog } from './internal/catalog-file.js';
import { blockHashOf, entriesHashOf } from './internal/journal-hash.js';
import { readJournalBlocks, type JournalBlock, type JournalRange } from './internal/journal-reader.js';
import { STORE_FILE } from './internal/store-db.js';

export type {
  JournalBlock,
  JournalRange,
  JournalRevision,
  JournalTransactionInfo,
} from './internal/journal-reader.js';
export {
  base62Id,
  blockHashOf,
  entriesHashOf,
  FIRST_SEQUENCE_NO,
  GENESIS_HASH,
  type BlockHashInput,
} from './internal/journal-hash.js';
export { MAX_VERSION, recordJson } from './internal/record-json.js';

/**
 * The journal of `database` in the store folder `dataDir`, read without opening the store (no lock: it works while
 * `tsbatch serve` uses the folder). Same blocks as `LocalStore.journal`.
 */
export async function* readJournal(
  dataDir: string,
  database: string,
  range: JournalRange,
  signal?: AbortSignal,
): AsyncGenerator<JournalBlock> {
  const catalog = await readCatalog(dataDir);
  const db = catalog.databases.find((d) => d.info.DatabaseName === database);
  if (db === undefined || typeof db.id !== 'string') {
    throw new ServiceError('ResourceNotFoundException', `The database ${database} does not exist.`);
  }
  yield* readJournalBlocks(path.join(dataDir, STORE_FILE), db.id, range, signal);
}

/**
 * Whether a block's hashes hold: its entriesHash is that of its revisions, and its blockHash chains it to
 * `previousBlockHash` (the blockHash of the block before it in the strand, GENESIS_HASH for the first).
 */
export function verifyJournalBlock(block: JournalBlock, previousBlockHash: Buffer): boolean {
  const entries = entriesHashOf(block.revisions);
  const hash = blockHashOf({
    previousBlockHash,
    entriesHash: entries,
    strandId: block.blockAddress.strandId,
    sequenceNo: block.blockAddress.sequenceNo,
    transactionId: block.transactionId,
    blockTimestamp: block.blockTimestamp.getTime(),
  });
  return (
    entries.equals(block.entriesHash) &&
    previousBlockHash.equals(block.previousBlockHash) &&
    hash.equals(block.blockHash)
  );
}
