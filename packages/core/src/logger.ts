/** Structured logs with pino; secrets and keys are redacted wherever they appear. */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'secret',
  'key',
  'req.headers.authorization',
  'headers.authorization',
  '*.secret',
  '*.key',
  '*.previousSecret',
];

/** `destination`: where JSON lines go instead of stdout (tests capture logs this way; `pretty` is then ignored). */
export function createLogger(options: { level?: string; name?: string; pretty?: boolean } = {}, destination?: DestinationStream): Logger {
  const pretty = destination ? false : options.pretty ?? process.stdout.isTTY;
  const pinoOptions = {
    level: options.level ?? 'info',
    name: options.name,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  };
  return destination ? pino(pinoOptions, destination) : pino(pinoOptions);
}
