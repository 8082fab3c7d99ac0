/** Structured logs with pino; secrets and keys are redacted wherever they appear. */
import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = ['secret', 'key', 'req.headers.authorization', 'headers.authorization', '*.secret', '*.key', '*.previousSecret'];

/** pino-pretty is a development dependency: production installs (the container images) do not have it. */
function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * `destination`: where JSON lines go instead of stdout (tests capture logs
 * this way; `pretty` is then ignored). Pretty output by default only in a
 * terminal and where pino-pretty is installed; JSON lines otherwise.
 */
export function createLogger(options: { level?: string; name?: string; pretty?: boolean } = {}, destination?: DestinationStream): Logger {
  const pretty = destination ? false : (options.pretty ?? (process.stdout.isTTY === true && prettyAvailable()));
  const pinoOptions = {
    level: options.level ?? 'info',
    name: options.name,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  return destination ? pino(pinoOptions, destination) : pino(pinoOptions);
}
