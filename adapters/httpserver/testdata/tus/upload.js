// upload.js runs tus-js-client against the server, for the Go tests (tusclient_test.go).
// Its one argument is JSON: {module, endpoint, file, size, headers, chunkSize, metadata,
// uploadUrl, abortAfterChunks}. It prints one line a step:
//   chunk <bytesAccepted>             after each chunk the server accepted
//   aborted <url> <bytesAccepted>     once aborted after abortAfterChunks chunks
//   done <url>                        once the upload succeeded
//   error <status> <message>          once it failed (status 0: no answer)
'use strict';
const fs = require('fs');
const cfg = JSON.parse(process.argv[2]);
const tus = require(cfg.module);

const data = cfg.file ? fs.readFileSync(cfg.file) : Buffer.alloc(cfg.size);
let chunks = 0;
const upload = new tus.Upload(data, {
  endpoint: cfg.endpoint,
  uploadUrl: cfg.uploadUrl || null,
  headers: cfg.headers,
  chunkSize: cfg.chunkSize,
  metadata: cfg.metadata || {},
  retryDelays: [],
  storeFingerprintForResuming: false,
  onChunkComplete(chunkSize, bytesAccepted) {
    chunks++;
    console.log(`chunk ${bytesAccepted}`);
    if (cfg.abortAfterChunks && chunks === cfg.abortAfterChunks) {
      upload.abort(false).then(() => {
        console.log(`aborted ${upload.url} ${bytesAccepted}`);
        process.exit(0);
      });
    }
  },
  onSuccess() {
    console.log(`done ${upload.url}`);
  },
  onError(err) {
    const status = err.originalResponse ? err.originalResponse.getStatus() : 0;
    console.log(`error ${status} ${String(err.message).split('\n')[0]}`);
  },
});
upload.start();
