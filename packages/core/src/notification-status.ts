/** A notification's statuses (SPEC "Events and notifications"); free of joi and pino so the CLI can load it cheaply. */
export const NOTIFICATION_STATUSES = ['PENDING', 'SUCCEEDED', 'EXPIRED', 'CANCELLED'] as const;
export type NotificationStatusName = (typeof NOTIFICATION_STATUSES)[number];
