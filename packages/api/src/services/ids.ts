const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids; anything else can name no resource (and must not reach a uuid column). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
