import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TimestreamWriteClient, type TimestreamWriteClientConfig } from '@aws-sdk/client-timestream-write';
import { startServer, type LocalServer, type LocalServerOptions } from '../src/index.js';

export const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-test-secret' };

export function tempDir(prefix = 'tsbatch-local-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The real SDK client against a local URL, as users configure it: custom endpoint, one attempt, no discovery flag. */
export function clientFor(
  url: string,
  config: Partial<TimestreamWriteClientConfig> = {},
): TimestreamWriteClient {
  return new TimestreamWriteClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: CREDENTIALS,
    maxAttempts: 1,
    ...config,
  });
}

export interface TestServer {
  server: LocalServer;
  client: TimestreamWriteClient;
  dataDir: string;
  close(): Promise<void>;
}

/** A server on a fresh data folder (fsync off: throwaway) and a client for it. */
export async function startTestServer(options: LocalServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir();
  const server = await startServer({ sync: false, ...options, dataDir });
  const client = clientFor(server.url);
  return {
    server,
    client,
    dataDir,
    async close(): Promise<void> {
      client.destroy();
      await server.close();
    },
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
export async function failure(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, but it succeeded');
}
