// Edge gateways' own credentials: created by an admin, shown once, stored as sha256, revocable. An edge credential may
// only read plugins (the sync endpoint), and it is the only caller that gets their real config values.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '@plugway/core';
import { StudioError } from './errors.js';
import type { EdgeCredentialRecord, PluginStore } from './store/plugin-store.js';

/** Every edge credential starts with this, so the studio knows which check to run and scanners can spot leaks. */
export const EDGE_TOKEN_PREFIX = 'pwe_';

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

export class EdgeCredentials {
  constructor(private readonly store: PluginStore, private readonly logger: Logger) {}

  /** A new credential; the token is returned only here. */
  async create(name: string): Promise<{ credential: EdgeCredentialRecord; token: string }> {
    const token = `${EDGE_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const credential = await this.store.createCredential(name, hashOf(token));
    this.logger.info('edge credential created', { credential: credential.id, name });
    return { credential, token };
  }

  list(): Promise<EdgeCredentialRecord[]> {
    return this.store.listCredentials();
  }

  /** The unrevoked credential this token belongs to. */
  async verify(token: string): Promise<EdgeCredentialRecord | undefined> {
    return token.startsWith(EDGE_TOKEN_PREFIX) ? this.store.credentialByHash(hashOf(token)) : undefined;
  }

  /** @throws StudioError STUDIO_NOT_FOUND (no such credential, or already revoked) */
  async revoke(id: number): Promise<void> {
    if (!(await this.store.revokeCredential(id))) throw new StudioError({ code: 'STUDIO_NOT_FOUND', message: `no active edge credential with id ${id}`, details: { id } });
    this.logger.info('edge credential revoked', { credential: id });
  }
}
