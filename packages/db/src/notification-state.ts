/**
 * The notification state machine: the one place that says which status
 * changes exist and what each one writes besides `status`. Every UPDATE of
 * a notification's status (attempt records, resend, cancellation, sendexpired)
 * takes its SET and WHERE from here, so the side fields cannot drift apart
 * between code paths.
 *
 *   from \ to   PENDING        SUCCEEDED      EXPIRED        CANCELLED
 *   PENDING     attempt        attempt        attempt        attempt (410), cancel
 *   SUCCEEDED   -              resend         -              -
 *   EXPIRED     sendexpired    resend         -              -
 *   CANCELLED   -              resend         -              -
 *
 * (SPEC "Events and notifications": PENDING waits for its next attempt; a
 * failed attempt retries after the next RETRY_SCHEDULE delay or expires after
 * the last; sendexpired puts EXPIRED back to PENDING with a fresh schedule;
 * resend is "any status but PENDING; a new attempt now"; a deleted or
 * disabled webhook cancels what is PENDING.) A resend that fails leaves the
 * status as it was; only its attempt is counted.
 *
 * What each status carries, whichever way it is entered:
 *   PENDING    next_attempt_at set; expired_at cleared
 *   SUCCEEDED  delivered_at = when; next_attempt_at and expired_at cleared
 *   EXPIRED    expired_at = when; next_attempt_at cleared
 *   CANCELLED  cancelled_at = when; next_attempt_at cleared
 * and every change bumps updated_at. Fields not named are kept.
 */
import type { NotificationStatus } from './generated/prisma/enums.js';

export type Transition = 'attempt' | 'resend' | 'cancel' | 'sendexpired';

/** The statuses each transition leaves from and may arrive at. */
export const TRANSITIONS: Readonly<Record<Transition, { from: readonly NotificationStatus[]; to: readonly NotificationStatus[] }>> = {
  attempt: { from: ['PENDING'], to: ['PENDING', 'SUCCEEDED', 'EXPIRED', 'CANCELLED'] },
  resend: { from: ['SUCCEEDED', 'EXPIRED', 'CANCELLED'], to: ['SUCCEEDED'] },
  cancel: { from: ['PENDING'], to: ['CANCELLED'] },
  sendexpired: { from: ['EXPIRED'], to: ['PENDING'] },
};

export function canTransition(transition: Transition, from: NotificationStatus, to: NotificationStatus): boolean {
  const rule = TRANSITIONS[transition];
  return rule.from.includes(from) && rule.to.includes(to);
}

/**
 * SQL of the row guard of a transition, `status IN (...)`, on the
 * notifications row (optionally aliased). `asText` compares the status as
 * text, which keeps the planner from choosing a status index for rows found
 * by key (see DeliveryStore).
 */
export function fromGuard(transition: Transition, { alias = '', asText = false } = {}): string {
  const column = `${alias ? `${alias}.` : ''}status${asText ? '::text' : ''}`;
  const from = TRANSITIONS[transition].from;
  return from.length === 1 ? `${column} = '${from[0]}'` : `${column} IN (${from.map((s) => `'${s}'`).join(', ')})`;
}

/** SQL expressions the assignments are built from. */
export interface Entry {
  /** the status entered: a literal status, or an SQL expression of type "NotificationStatus" */
  status: NotificationStatus | { sql: string };
  /** when it happened (timestamptz expression) */
  at: string;
  /** the next attempt's time when the status entered is PENDING (timestamptz expression) */
  next?: string;
  /** the notifications row's alias in the statement, if it has one */
  row?: string;
  /** enter the status only where this SQL condition holds; elsewhere every field is kept */
  when?: string;
}

const COLUMNS = ['next_attempt_at', 'delivered_at', 'expired_at', 'cancelled_at'] as const;
type Column = (typeof COLUMNS)[number];

/** What each status writes into each side field; `keep` leaves the column as it is. */
function sideField(status: NotificationStatus, column: Column, entry: Entry): string {
  const keep = keepOf(column, entry);
  switch (column) {
    case 'next_attempt_at':
      return status === 'PENDING' ? (entry.next ?? 'now()') : 'NULL';
    case 'delivered_at':
      return status === 'SUCCEEDED' ? entry.at : keep;
    case 'expired_at':
      return status === 'EXPIRED' ? entry.at : status === 'PENDING' || status === 'SUCCEEDED' ? 'NULL' : keep;
    case 'cancelled_at':
      return status === 'CANCELLED' ? entry.at : keep;
  }
}

const keepOf = (column: string, entry: Entry) => (entry.row ? `${entry.row}.${column}` : column);

const STATUSES: readonly NotificationStatus[] = ['PENDING', 'SUCCEEDED', 'EXPIRED', 'CANCELLED'];

/**
 * The SET list (without the SET keyword) that enters a status: the status
 * itself, its side fields and updated_at. With a per-row status expression
 * each side field becomes a CASE over the four statuses.
 */
export function enterStatus(entry: Entry): string {
  const guarded = (column: string, value: string) => (entry.when ? `CASE WHEN ${entry.when} THEN ${value} ELSE ${keepOf(column, entry)} END` : value);
  const assignments: string[] = [];
  if (typeof entry.status === 'string') {
    const status = entry.status;
    assignments.push(`status = ${guarded('status', `'${status}'::"NotificationStatus"`)}`);
    for (const column of COLUMNS) {
      const value = sideField(status, column, entry);
      if (value !== keepOf(column, entry)) assignments.push(`${column} = ${guarded(column, value)}`);
    }
  } else {
    const expr = entry.status.sql;
    assignments.push(`status = ${guarded('status', expr)}`);
    for (const column of COLUMNS) {
      const cases = STATUSES.map((s) => `WHEN '${s}' THEN ${sideField(s, column, entry)}`).join(' ');
      assignments.push(`${column} = ${guarded(column, `CASE ${expr} ${cases} END`)}`);
    }
  }
  assignments.push('updated_at = now()');
  return assignments.join(',\n    ');
}
