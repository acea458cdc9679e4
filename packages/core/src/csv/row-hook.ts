/**
 * The engine's row hook (CsvEngine.setRowHook): a range job's row kernel (load/range-job.ts) takes rows as the
 * engine reads them, from the tokenizer's cell spans where it can (span mode, csv-tokenizer.ts), before any row
 * event is made.
 */

/**
 * Where a range job's row kernel takes rows as the engine reads them (CsvEngine.setRowHook), before any row event
 * is made: each answers true when it took the row (it is counted, no event), false to leave it to its row event.
 */
export interface RowHook {
  /**
   * By column, the cells `spans` reads only for their length and whether they are the NullValue, or null: a span of
   * such a cell may have the cell's length and another text (a record of escaped text then needs no text of its own).
   */
  readonly lengthCells?: Uint8Array | null;
  /**
   * A row in span mode: cell k is `text[spans[2k], spans[2k + 1])` (a cell of lengthCells: as long as that), of a
   * record read whole in one text of valid UTF-8 (R-CSV-2); `offset` is the file's; `extraBytes` what its row event
   * would carry (0 in ASCII text, -1 where unknown).
   */
  spans(
    text: string,
    spans: Int32Array,
    line: number,
    lastLine: number,
    offset: number,
    bytes: number,
    extraBytes: number,
  ): boolean;
  /** A row of cells, with what its row event would carry (extraBytes: -1 where unknown). */
  cells(
    cells: string[],
    line: number,
    lastLine: number,
    offset: number,
    bytes: number,
    extraBytes: number,
  ): boolean;
}
