import { Injectable, Logger } from '@nestjs/common';
import { InjectAtlassianRepository } from '../accounts/atlassian-data-source.js';
import type { Repository } from 'typeorm';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { AccountTokenStore } from './account-token.store.js';
import { TokenCipher, tokenBinding } from '../crypto/token-cipher.js';

/** A batch of re-encryptions is CPU work and one write per row: a crashed holder keeps its rows only this long. */
const REENCRYPT_LEASE_MS = 30_000;
const TOKEN_COLUMNS = ['accessTokenEncrypted', 'refreshTokenEncrypted'] as const;

/** How many stored ciphertexts each key protects. */
export interface CiphertextCount {
  /** Ciphertexts (access and refresh tokens together) by the id of the key that made them. */
  byKey: Record<string, number>;
  /** Of those, how many are not yet bound to their row and column (made before v2). */
  unbound: number;
}

/** What one re-encryption pass did. */
export interface ReencryptionResult {
  /** Accounts whose tokens now use the first key. */
  reencrypted: number;
  /** Accounts whose tokens no configured key decrypts (left as they are). */
  failed: number;
  /** Accounts still needing it after the pass: busy with a refresh meanwhile, or failed. Run again. */
  remaining: number;
}

/**
 * Finishing a key rotation: re-encrypt every stored token with the first key of `encryptionKeys`, and
 * count ciphertexts per key id, so an operator knows when an old key has nothing left and can go.
 * Safe with many instances and with refreshes in flight: rows are claimed under the same leases.
 */
@Injectable()
export class TokenKeyRotationService {
  private readonly logger = new Logger('TokenKeyRotationService');

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @InjectAtlassianRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>,
    private readonly store: AccountTokenStore,
    private readonly cipher: TokenCipher,
  ) {}

  /** Counts stored ciphertexts by key id (forgotten accounts have none). */
  async countCiphertexts(): Promise<CiphertextCount> {
    const find = this.accounts.manager.connection.options.type === 'postgres' ? 'strpos' : 'instr';
    // Every ciphertext is `vN:<keyId>:<payload>`: the key id starts at the 4th character.
    const keyId = `substr(c, 4, ${find}(substr(c, 4), ':') - 1)`;
    const table = this.accounts.metadata.tableName;
    const tokens = TOKEN_COLUMNS.map((column) => `SELECT "${column}" AS c FROM "${table}"`).join(
      ' UNION ALL ',
    );
    const rows: Array<{ key: string; unbound: string | number; total: string | number }> =
      await this.accounts.query(
        `SELECT ${keyId} AS "key", SUM(CASE WHEN substr(c, 1, 3) = 'v1:' THEN 1 ELSE 0 END) AS "unbound", COUNT(*) AS "total"
       FROM (${tokens}) t WHERE c IS NOT NULL AND c <> '' GROUP BY ${keyId}`,
      );
    return {
      byKey: Object.fromEntries(rows.map((row) => [row.key, Number(row.total)])),
      unbound: rows.reduce((sum, row) => sum + Number(row.unbound), 0),
    };
  }

  /** One pass over every account, in id order, re-encrypting what is not under the first key yet. */
  async reencryptAll(options: { batchSize?: number } = {}): Promise<ReencryptionResult> {
    const batchSize = options.batchSize ?? 500;
    const result: ReencryptionResult = { reencrypted: 0, failed: 0, remaining: 0 };
    let after = '00000000-0000-0000-0000-000000000000'; // the nil UUID: below every id, and a uuid to PostgreSQL ('' is not)
    for (;;) {
      const { lease, rows } = await this.store.leases.claimBatch(
        (due) => this.needingIt(due.where('due.id > :after', { after })).orderBy('due.id', 'ASC'),
        batchSize,
        REENCRYPT_LEASE_MS,
      );
      if (rows.length === 0) break;
      rows.sort((a, b) => (a.id < b.id ? -1 : 1));
      after = rows[rows.length - 1].id;
      for (const account of rows) {
        const values = this.reencrypted(account);
        if (values && (await this.store.leases.writeAndRelease(account.id, lease, values)))
          result.reencrypted++;
        else if (!values) {
          result.failed++;
          await this.store.release(account.id, lease);
        }
      }
    }
    result.remaining = await this.needingIt(this.accounts.createQueryBuilder('due')).getCount();
    this.logger.log(
      `Re-encrypted the tokens of ${result.reencrypted} accounts with key "${this.cipher.currentKey}"; ${result.failed} failed, ${result.remaining} remain.`,
    );
    return result;
  }

  /** New ciphertexts for the account's tokens, or null when a key to decrypt them is missing. */
  private reencrypted(
    account: LinkedAccount,
  ): Pick<LinkedAccount, (typeof TOKEN_COLUMNS)[number]> | null {
    try {
      const move = (ciphertext: string | null, column: 'access' | 'refresh') => {
        if (!ciphertext || !this.cipher.needsReencryption(ciphertext)) return ciphertext;
        return this.cipher.encrypt(
          this.cipher.decrypt(ciphertext, tokenBinding(account.id, column)),
          tokenBinding(account.id, column),
        );
      };
      return {
        accessTokenEncrypted: move(account.accessTokenEncrypted, 'access')!,
        refreshTokenEncrypted: move(account.refreshTokenEncrypted, 'refresh'),
      };
    } catch (err) {
      this.logger.warn(
        `The tokens of account ${account.id} could not be decrypted for re-encryption: ${(err as Error).message}`,
      );
      return null;
    }
  }

  /** Rows with a ciphertext not in the current format under the first key. */
  private needingIt<Q extends ReturnType<Repository<LinkedAccount>['createQueryBuilder']>>(
    query: Q,
  ): Q {
    // `_` is a LIKE wildcard and may appear in a key id.
    const prefix = `${this.cipher.currentPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return query
      .andWhere(
        `((due.accessTokenEncrypted <> '' AND due.accessTokenEncrypted NOT LIKE :prefix ESCAPE '\\') OR (due.refreshTokenEncrypted IS NOT NULL AND due.refreshTokenEncrypted NOT LIKE :prefix ESCAPE '\\'))`,
      )
      .setParameter('prefix', prefix) as Q;
  }
}
