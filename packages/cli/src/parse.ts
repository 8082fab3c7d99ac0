/**
 * Parsers for option values. The synchronous ones are commander argParsers:
 * they throw InvalidArgumentError, which commander reports as a usage error
 * (exit 2). JSON arguments may come from a file or stdin, so they are read
 * in the action and throw UsageError instead.
 */
import { readFile } from 'node:fs/promises';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/;

/** `500`, `500ms`, `2s`, `5m`, `1h`, `1d` → milliseconds (a bare number is milliseconds). */
export function parseDuration(value: string): number {
  const match = DURATION.exec(value.trim());
  if (!match) throw new InvalidArgumentError('expected a duration such as 500ms, 2s, 5m, 1h (a bare number is milliseconds)');
  const ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 'ms']);
  if (ms <= 0) throw new InvalidArgumentError('must be greater than zero');
  return ms;
}

/** An RFC 3339 time, `now`, or a duration ago (`15m`, `2h`, `7d`) → ISO string. */
export function parseTime(value: string, now: () => number = Date.now): string {
  const text = value.trim();
  if (text === 'now') return new Date(now()).toISOString();
  if (/^\d+(\.\d+)?(s|m|h|d)$/.test(text)) return new Date(now() - parseDuration(text)).toISOString();
  // Only full dates or date-times; Date.parse alone would also take "1" or "March".
  if (/^\d{4}-\d{2}-\d{2}([T ].+)?$/.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return new Date(ms).toISOString();
  }
  throw new InvalidArgumentError('expected an RFC 3339 time (2026-01-02T03:04:05Z), "now", or a duration ago such as 15m, 2h, 7d');
}

export function parsePositiveInt(max?: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
    const n = Number(value);
    if (max !== undefined && n > max) throw new InvalidArgumentError(`must be at most ${max}`);
    return n;
  };
}

/** A repeatable option that also takes comma-separated lists: `-e A -e B,C` → [A, B, C]. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError('expected at least one value');
  return [...(previous ?? []), ...items];
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A JSON option value given inline (`'{"id":1}'`), from a file (`@event.json`)
 * or from stdin (`-`). Invalid JSON or an unreadable file is a usage error.
 */
export async function readJsonArgument(value: string, option: string, stdin: NodeJS.ReadableStream): Promise<unknown> {
  let text: string;
  let source = 'the value';
  if (value === '-') {
    text = await readStdin(stdin);
    source = 'stdin';
  } else if (value.startsWith('@')) {
    const path = value.slice(1);
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new UsageError(`${option}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    source = path;
  } else {
    text = value;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option}: ${source} is not valid JSON (${(error as Error).message})`);
  }
}

/** Like readJsonArgument, and the value must be a JSON object. */
export async function readJsonObject(value: string, option: string, stdin: NodeJS.ReadableStream): Promise<Record<string, unknown>> {
  const parsed = await readJsonArgument(value, option, stdin);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`${option}: expected a JSON object`);
  return parsed as Record<string, unknown>;
}
