// The tests' S3 server: s3rver (npm, a devDependency of @tsbatch/aws) in its own process, on a free loopback port.
// Prints {"port": N} once it listens; exits when its parent closes stdin or sends SIGTERM (nothing is left running).
// Node runs it with --openssl-legacy-provider: s3rver seals ListObjectsV2 continuation tokens with DES.
import { createRequire } from 'node:module';
import S3rver from 's3rver';

// s3rver accepts only the access keys it knows: besides its own (S3RVER), the placeholder tsbatch signs a loopback
// endpoint with when no credentials are configured (packages/cli's PLACEHOLDER_CREDENTIALS), as moto accepts any key.
const { DUMMY_ACCOUNT } = createRequire(import.meta.url)('s3rver/lib/models/account.js');
DUMMY_ACCOUNT.createKeyPair('TSBATCHLOCAL', 'tsbatch-local-placeholder');

const directory = process.argv[2];
if (directory === undefined) {
  process.stderr.write('usage: s3rver-main.mjs DIRECTORY\n');
  process.exit(2);
}
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
const { port } = await server.run();
process.stdout.write(`${JSON.stringify({ port })}\n`);

let closing = false;
function stop() {
  if (closing) return;
  closing = true;
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
}
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
