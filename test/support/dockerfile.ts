/**
 * docker/Dockerfile and .dockerignore, read statically (no Docker engine):
 * instructions with comments dropped and continuations joined, stages, and
 * .dockerignore's matching rules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const DOCKERFILE = path.join(ROOT, 'docker', 'Dockerfile');

export interface Instruction {
  keyword: string;
  args: string;
}

export function dockerfileInstructions(): Instruction[] {
  const logical = readFileSync(DOCKERFILE, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n');
  return logical
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

export function dockerfileStages(): string[] {
  return dockerfileInstructions()
    .filter((i) => i.keyword === 'FROM')
    .map((i) => /\s+AS\s+(\S+)\s*$/i.exec(i.args)?.[1])
    .filter((name): name is string => Boolean(name));
}

/** One stage of docker/Dockerfile: its base, its instructions, and its CMD, ENV and EXPOSE. */
export function dockerStage(name: string): { from: string; body: Instruction[]; cmd: string[]; env: Record<string, string>; expose: string[] } {
  const instructions = dockerfileInstructions();
  const start = instructions.findIndex((i) => i.keyword === 'FROM' && new RegExp(`\\s+AS\\s+${name}$`, 'i').test(i.args));
  if (start < 0) throw new Error(`no stage ${name} in docker/Dockerfile`);
  const end = instructions.findIndex((i, index) => index > start && i.keyword === 'FROM');
  const body = instructions.slice(start + 1, end === -1 ? undefined : end);
  const cmd = body.filter((i) => i.keyword === 'CMD').pop();
  const env: Record<string, string> = {};
  for (const i of body.filter((x) => x.keyword === 'ENV')) for (const [, k, v] of i.args.matchAll(/([A-Z_]+)=(\S+)/g)) env[k] = v;
  const expose = body.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/));
  return { from: instructions[start].args.split(/\s+/)[0], body, cmd: cmd ? (JSON.parse(cmd.args) as string[]) : [], env, expose };
}

/** A stage's CMD, following `FROM <stage>` when it has none of its own. */
export function dockerCmd(stage: string): string[] {
  const s = dockerStage(stage);
  return s.cmd.length ? s.cmd : dockerCmd(s.from);
}

/** Sources of every `COPY` from the build context (not `--from=`). */
export function contextCopySources(): string[] {
  const sources: string[] = [];
  for (const { keyword, args } of dockerfileInstructions()) {
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;
    const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
    if (words.some((w) => w.startsWith('--from='))) continue;
    const paths = words.filter((w) => !w.startsWith('--'));
    sources.push(...paths.slice(0, -1));
  }
  return sources;
}

/** .dockerignore semantics (last matching rule wins; a matched directory excludes what is under it). */
export function dockerignore(): (relativePath: string) => boolean {
  const rules = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).replace(/^\/+/, '')).replace(/\/+$/, '');
      let re = '';
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === '*' && pattern[i + 1] === '*') {
          i++;
          if (pattern[i + 1] === '/') {
            i++;
            re += '(?:.*/)?';
          } else {
            re += '.*';
          }
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, regex: new RegExp(`^${re}(?:/.*)?$`) };
    });
  return (relativePath) => {
    let ignored = false;
    for (const rule of rules) if (rule.regex.test(relativePath)) ignored = !rule.negate;
    return ignored;
  };
}
