/**
 * The event-type catalog and wildcard matching.
 *
 * `PREFIX.*` matches every type under PREFIX at any depth (`CARD.*` matches
 * `CARD.IMAGE.CREATED`), including types added later; `*` matches all.
 */

/** Every type of the reference documents, plus Hookrelay's own operational types. */
export const BUILTIN_EVENT_TYPES: readonly string[] = [
  'ADVERSE_ACTION.CREATED',
  'APPLICATION.CREATED',
  'APPLICATION.UPDATED',
  'CARD.CREATED',
  'CARD.DIGITALWALLETTOKEN.CREATED',
  'CARD.DIGITALWALLETTOKEN.UPDATED',
  'CARD.IMAGE.CREATED',
  'CARD.IMAGE.UPDATED',
  'CARD.UPDATED',
  'CRR.CREATED',
  'DISPUTE.CREATED',
  'DISPUTE.UPDATED',
  'DOCUMENT.CREATED',
  'DOCUMENT.DELETED',
  'DOCUMENT.RETRIEVED',
  'DOCUMENT.UPDATED',
  'DOCUMENT_VERIFICATION_SESSION.CREATED',
  'DOCUMENT_VERIFICATION_SESSION.UPDATED',
  'EDD.CREATED',
  'EDD.DELETED',
  'EXTERNAL_CARD.CREATED',
  'EXTERNAL_CARD.DELETED',
  'EXTERNAL_CARD.UPDATED',
  'EXTERNAL_CARD_TRANSFER.CREATED',
  'EXTERNAL_CARD_TRANSFER.UPDATED',
  'INTERNAL_TRANSFER.SUCCEEDED',
  'SPEND_CONTROL.CREATED',
  'SPEND_CONTROL.UPDATED',
  'SPEND_CONTROL.VIOLATED',
  'STATEMENT.CREATED',
  'TRANSACTION.CREATED',
  'TRANSACTION.UPDATED',
  'CARD_STATUS_CHANGE',
  'WEBHOOK.PING',
  'WEBHOOK.DISABLED',
];

export const PING_EVENT_TYPE = 'WEBHOOK.PING';
export const DISABLED_EVENT_TYPE = 'WEBHOOK.DISABLED';

/** Segments of letters, digits, `_` and `-`, joined by dots. */
export const EVENT_TYPE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
export const EVENT_TYPE_PATTERN = /^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$/;

export function matchesEventType(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

/**
 * Every subscription pattern that would receive `type`: the type itself, `*`
 * and one `PREFIX.*` per ancestor. Lets the database match with an array
 * overlap instead of loading every webhook.
 */
export function patternsMatching(type: string): string[] {
  const patterns = [type, '*'];
  let dot = type.indexOf('.');
  while (dot !== -1) {
    patterns.push(`${type.slice(0, dot)}.*`);
    dot = type.indexOf('.', dot + 1);
  }
  return patterns;
}

/** The patterns among `patterns` that match no type of `catalog`. */
export function unmatchedPatterns(patterns: readonly string[], catalog: readonly string[]): string[] {
  return patterns.filter((p) => !catalog.some((type) => matchesEventType(p, type)));
}
