/**
 * R-ING-1: WriteRecords sent with a body the writer built itself (`encodeWriteRecords`), through the SDK client as
 * it is: endpoint (or endpoint discovery), signing, HTTP and error parsing stay the SDK's. Only the body's
 * serialisation is skipped: the SDK's generic schema serialiser cost more CPU per record than reading, mapping and
 * checking the row together, and the texts are already made on the main thread.
 */
import { WriteRecordsCommand, type TimestreamWriteClient } from '@aws-sdk/client-timestream-write';

const BODY = Symbol('tsbatch.writeRecordsBody');

interface RequestLike {
  body?: unknown;
  headers?: Record<string, string>;
}

/** Makes `client` send the body given to `sendWriteRecordsText` in place of the one its serialiser made. */
export function usePrebuiltBodies(client: TimestreamWriteClient): void {
  client.middlewareStack.add(
    (next) => (args) => {
      const text = (args.input as { [BODY]?: unknown })[BODY];
      const request = args.request as RequestLike | undefined;
      if (typeof text === 'string' && request !== undefined) {
        request.body = text;
        const headers = (request.headers ??= {});
        for (const name of Object.keys(headers)) {
          if (name.toLowerCase() === 'content-length') delete headers[name];
        }
        headers['content-length'] = String(Buffer.byteLength(text));
      }
      return next(args);
    },
    // Build step, first: before the content length is set and long before the request is signed.
    { step: 'build', priority: 'high', name: 'tsbatchPrebuiltBody' },
  );
}

/** One WriteRecords call whose whole JSON body is `text` (on a client set up with `usePrebuiltBodies`). */
export function sendWriteRecordsText(
  client: TimestreamWriteClient,
  database: string,
  table: string,
  text: string,
): Promise<unknown> {
  // The serialiser still runs, on an empty call: the operation's headers come from it; its body is replaced.
  const input = { DatabaseName: database, TableName: table, Records: [], [BODY]: text };
  return client.send(new WriteRecordsCommand(input));
}
