/** JSON texts that parse (or almost) but must not pass: the raw material of the hostile tables. */

export const MiB = 1024 * 1024;

export const SQL_IDS = ["' OR 1=1 --", '1;DROP TABLE webhooks', "00000000-0000-4000-8000-000000000000' OR '1'='1"];

export const b64 = (s: string) => Buffer.from(s).toString('base64');
export const nestedArrays = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
export const nestedObjects = (depth: number, leaf = '1') => '{"a":'.repeat(depth) + leaf + '}'.repeat(depth);

/** a JSON object text: `base` with raw JSON `extra` members spliced in first */
export const withRaw = (base: object, extra: string) => {
  const rest = JSON.stringify(base).slice(1, -1);
  return `{${extra}${rest ? `,${rest}` : ''}}`;
};

const without = (base: Record<string, unknown>, field: string) => Object.fromEntries(Object.entries(base).filter(([k]) => k !== field));

/** base with `field` set to raw JSON text `value` */
export const setRaw = (base: Record<string, unknown>, field: string, value: string) => withRaw(without(base, field), `${JSON.stringify(field)}:${value}`);
