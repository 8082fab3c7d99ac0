/**
 * Everything a command prints goes through here: with `--json` the raw JSON
 * result (for scripts and jq), otherwise readable lines and tables. Results
 * go to stdout; progress notes, warnings and errors go to stderr so that
 * stdout stays parseable.
 */
export interface Writer {
  write(chunk: string): unknown;
}

export interface Io {
  stdout: Writer;
  stderr: Writer;
  stdin: NodeJS.ReadableStream;
}

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** cut longer cells to this width (with an ellipsis) */
  max?: number;
}

export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.map(cell).join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function clip(text: string, max: number | undefined): string {
  return max && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export class Output {
  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {}

  /** The command's result: as JSON with `--json`, else as `human` prints it. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.line(JSON.stringify(value, null, 2));
    else human();
  }

  /** One compact JSON document per line (NDJSON), for streams such as `tail --json`. */
  ndjson(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  line(text = ''): void {
    this.io.stdout.write(`${text}\n`);
  }

  /** A note for the person at the terminal, on stderr (kept out of `--json` output). */
  note(text: string): void {
    this.io.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    this.io.stderr.write(`warning: ${text}\n`);
  }

  /** `label: value` lines, labels aligned. */
  fields(pairs: [string, unknown][]): void {
    const width = Math.max(0, ...pairs.map(([label]) => label.length)) + 1;
    for (const [label, value] of pairs) this.line(`${`${label}:`.padEnd(width)} ${cell(value)}`);
  }

  table<T>(rows: readonly T[], columns: readonly Column<T>[]): void {
    const cells = rows.map((row) => columns.map((c) => clip(cell(c.value(row)), c.max)));
    const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
    const format = (values: string[]) =>
      values
        .map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i])))
        .join('  ')
        .trimEnd();
    this.line(format(columns.map((c) => c.header)));
    for (const row of cells) this.line(format(row));
  }
}
