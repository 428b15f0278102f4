import type { DataSource } from 'typeorm';
import { LinkedAccount, tokenBinding, type TokenCipher } from '../../src/index.js';

/**
 * Stored rows with their ciphertexts, which no default select reads: the accounts `ids` names, or
 * every account without `ids`; in no particular order.
 */
export function storedAccounts(dataSource: DataSource, ids?: string[]): Promise<LinkedAccount[]> {
  const query = dataSource
    .getRepository(LinkedAccount)
    .createQueryBuilder('account')
    .addSelect(['account.accessTokenEncrypted', 'account.refreshTokenEncrypted']);
  if (ids === undefined) return query.getMany();
  // `IN ()` is a syntax error on both databases.
  if (ids.length === 0) return Promise.resolve([]);
  return query.where('account.id IN (:...ids)', { ids }).getMany();
}

/** One stored row with its ciphertexts; fails when there is no such account. */
export async function storedAccount(dataSource: DataSource, id: string): Promise<LinkedAccount> {
  const [row] = await storedAccounts(dataSource, [id]);
  if (!row) throw new Error(`no linked account ${id}`);
  return row;
}

/** The plain tokens of a stored row, each bound to its row as the app binds it ('' and null once forgotten). */
export function plainTokens(
  cipher: TokenCipher,
  row: LinkedAccount,
): { accessToken: string; refreshToken: string | null } {
  return {
    accessToken: row.accessTokenEncrypted
      ? cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access'))
      : '',
    refreshToken: row.refreshTokenEncrypted
      ? cipher.decrypt(row.refreshTokenEncrypted, tokenBinding(row.id, 'refresh'))
      : null,
  };
}
