#!/usr/bin/env node
// The capacity model (docs/capacity.md) of a finished run, recomputed from
// its result file: per-component CPU per delivery and per event, what one
// core of each carries, and the 1- and 2-worker throughput predicted from
// those costs against what the run measured.
//   node bench/capacity.mjs [bench/results/latest.json] [--json]
import fs from 'node:fs';
import path from 'node:path';
import { capacityLines, capacityModel } from './harness/capacity.mjs';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--')) ?? path.join(path.dirname(new URL(import.meta.url).pathname), 'results/latest.json');
const r = JSON.parse(fs.readFileSync(file, 'utf8'));
const model = capacityModel({ byWorkers: r.by_workers, ingest: { http: r.details?.http_ingest, batch: r.details?.batch_ingest }, cpus: r.machine.cpus });
if (args.includes('--json')) {
  console.log(JSON.stringify(model, null, 2));
} else {
  console.log(
    `${path.relative(process.cwd(), file)}: ${r.mode} run of ${r.date}, ${r.machine.cpus} × ${r.machine.model}, load average ${r.load_average_start.join(' ')} at the start`,
  );
  console.log(capacityLines(model).join('\n'));
}
