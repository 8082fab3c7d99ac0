/** Retry delays in seconds; a notification gets 1 + delays.length attempts. */
export type RetrySchedule = readonly number[];

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = [5, 300, 1800, 7200, 18000, 36000, 36000];

export function parseRetrySchedule(text: string): RetrySchedule {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  return trimmed.split(',').map((part) => {
    const value = Number(part.trim());
    if (part.trim() === '' || !Number.isFinite(value) || value < 0) {
      throw new Error(`"${part.trim()}" is not a number of seconds`);
    }
    return value;
  });
}

export function totalAttempts(schedule: RetrySchedule): number {
  return schedule.length + 1;
}

/** Milliseconds to wait after failed attempt `attempt` (1-based) of a cycle, or null when it was the last. */
export function delayAfterAttempt(schedule: RetrySchedule, attempt: number): number | null {
  const seconds = schedule[attempt - 1];
  return seconds === undefined ? null : Math.round(seconds * 1000);
}
