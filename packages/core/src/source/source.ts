/** Source files as resolved from DataSourceS3Configuration (R-IN-3). */
import type { Failure } from '../failure.js';
import type { SourceReader } from './source-reader.js';

export interface SourceFile {
  /** The object key relative to the bucket: the file name used in reports (R-IN-3). */
  key: string;
  /** Where its reader finds it: an absolute path on disk, or `s3://bucket/key` (R-S3-1). */
  path: string;
  /** Size in bytes at resolution time. */
  size: number;
  /** The ETag the object was listed with (S3): every read asks for that version (R-S3-1). */
  etag?: string;
}

export interface ResolvedSource {
  /** Every regular file under the prefix, in byte-wise sorted key order (R-IN-3 [choice]). */
  files: SourceFile[];
  /** Sum of `size` over `files`. */
  totalBytes: number;
  /** What reads the files (R-S3-1: S3 through @tsbatch/aws). @default the local disk */
  reader?: SourceReader;
}

/** How a task's S3 locations map onto the local disk (R-IN-3). */
export interface SourceLocation {
  /** `--source PATH`: a file, or a folder standing for the prefix. */
  source?: string;
  /** `--s3-root DIR`: `DIR/<bucket>/<key>`. */
  s3Root?: string;
  /** R-S3-1: without `source` and `s3Root`, the buckets are read through this reader (S3, from @tsbatch/aws). */
  reader?: SourceReader;
}

/** One event of the reader, in file order. */
export type SourceEvent =
  | { type: 'file-start'; file: SourceFile; header: string[] }
  | {
      type: 'row';
      file: string;
      line: number;
      lastLine: number;
      cells: string[];
      /**
       * Where the row's bytes are in the file: its first byte (the start of line `line`) and its length, line end
       * included. Given when the file is read as UTF-8 (no `encoding`), so that the row can be read again.
       */
      offset?: number;
      bytes?: number;
      /**
       * With `bytes`: how many more bytes than chars of text the row has (UTF-8 bytes beyond its UTF-16 length:
       * 0 for an ASCII row), or -1 when not measured (a row read across chunks). Metering uses it (R-METER-1).
       */
      extraBytes?: number;
    }
  | {
      type: 'row-failure';
      file: string;
      line: number;
      lastLine: number;
      failure: Failure;
      cells?: string[];
    }
  | {
      type: 'file-failure';
      file: string;
      failure: Failure;
      /** Line where the file broke, when it broke after its header. */
      line?: number;
    }
  | { type: 'file-end'; file: string; bytesRead: number };
