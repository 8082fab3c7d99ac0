/** Structured logs with pino; secrets and keys are redacted wherever they appear. */
import { pino, type Logger } from 'pino';

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

export function createLogger(options: { level?: string; name?: string; pretty?: boolean } = {}): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY;
  return pino({
    level: options.level ?? 'info',
    name: options.name,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}
