import type { Db, PortalSession } from './client.js';

export interface NewPortalSession {
  tenantId: string;
  tokenHash: string;
  readOnly: boolean;
  expiresAt: Date;
}

/** Portal sessions: tenant-scoped bearer tokens that end at `expiresAt`, stored only as hashes. */
export class PortalSessionsRepository {
  constructor(private readonly db: Db) {}

  create(input: NewPortalSession): Promise<PortalSession> {
    return this.db.portalSession.create({ data: input });
  }

  /**
   * Only a session still in force, compared with the clock at query time: an
   * expired token is refused from its `expiresAt` on (nothing is cached).
   */
  findActiveByHash(tokenHash: string, now = new Date()): Promise<PortalSession | null> {
    return this.db.portalSession.findFirst({ where: { tokenHash, expiresAt: { gt: now } } });
  }

  /** Sessions that ended before `before`; they can never sign in again. */
  async deleteExpired(before: Date): Promise<number> {
    const { count } = await this.db.portalSession.deleteMany({ where: { expiresAt: { lt: before } } });
    return count;
  }
}
