#!/usr/bin/env node
import { main } from '../dist/index.js';

// `hookrelay tail | head -1`: the reader went away; that is the end, not a crash.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv);
// A client left open by a failed connection (ioredis keeps reconnecting) must
// not keep a finished command alive; this timer itself does not hold the process.
setTimeout(() => process.exit(), 2000).unref();
