#!/usr/bin/env node
// The `scale` phase, runnable alone (same as `pnpm bench --only=scale`):
//
//   node bench/scale.mjs [--notifications=10000000] [--webhooks=100] [--fanout=4]
//     [--readers=8] [--requests=400] [--rounds=2] [--deliveries=3000]
//     [--ingest-rate=100] [--ingest-seconds=20] [--retention-days=20]
//     [--sweep-rate=50] [--before-seconds=20] [--keep] [--skip-disk-check]
//
// Seeds a history database with one tenant's N notifications through SQL,
// times the listed reads, compares ingest and delivery throughput against
// an empty database (alternated), runs one retention sweep with deliveries
// going on, and reports sizes before and after. What each figure means:
// bench/README.md, "Scale phase". The modules are in bench/scale/.
import { cleanup, installSignalHandlers, onCleanup } from './harness/stack.mjs';
import { runScale, scaleCleanup } from './scale/phase.mjs';

installSignalHandlers();
onCleanup(scaleCleanup);
try {
  await runScale();
  await cleanup();
  process.exit(0);
} catch (error) {
  console.error(`scale bench failed: ${error.stack ?? error}`);
  await cleanup();
  process.exit(1);
}
