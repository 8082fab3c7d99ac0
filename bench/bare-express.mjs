// The bare Express route the ingest figures are compared with (issue 15):
// its own process, the Express the API uses, only `express.json()` and a
// 202 on POST /v1/events. Started by the ingest phase with fork() (the same
// Node flags as the workers and the receiver); says {ready: true, port}.
import http from 'node:http';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// the package that serves the API declares express; take that copy
const owner = ['packages/http', 'packages/api', 'apps/api']
  .map((p) => path.join(root, p, 'package.json'))
  .find((p) => fs.existsSync(p) && JSON.parse(fs.readFileSync(p, 'utf8')).dependencies?.express);
if (!owner) {
  console.error('bare-express: no workspace package declares express');
  process.exit(1);
}
const express = createRequire(owner)('express');

const app = express();
app.use(express.json());
app.post('/v1/events', (_req, res) => {
  res.status(202).json({ accepted: true });
});

const server = http.createServer(app);
server.listen(0, '127.0.0.1', () => process.send?.({ ready: true, port: server.address().port }));

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('disconnect', () => process.exit(0));
