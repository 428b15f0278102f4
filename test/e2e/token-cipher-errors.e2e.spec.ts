import { Controller, Get, Inject, Param } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AtlassianTokenService,
  LinkedAccount,
  TokenCipher,
  tokenBinding,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** A host route that needs the user's token (and, like any sane route, never returns it). */
@Controller('probe')
class TokenProbeController {
  constructor(@Inject(AtlassianTokenService) private readonly tokens: AtlassianTokenService) {}

  @Get(':accountId')
  async probe(@Param('accountId') accountId: string): Promise<{ ok: true }> {
    await this.tokens.getAccessToken({ accountId });
    return { ok: true };
  }
}

/** A key the app was never given: what a ciphertext looks like after its key was dropped too early. */
const RETIRED_KEY_ID = 'retired-key-7f3a';
const retiredCipher = new TokenCipher([{ id: RETIRED_KEY_ID, key: randomBytes(32) }]);

/** Words of the operator's hint that a browser must never see. */
const KEY_HINTS = [
  RETIRED_KEY_ID,
  'encryptionKeys',
  'keep old keys',
  'Ciphertext',
  'token_unknown',
];

describe('a stored token no configured key decrypts, asked for by a route', () => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let accountId: string;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      options: { tokens: { cacheTtlMs: 0 } },
      now: () => emulator.clock.now(),
      controllers: [TokenProbeController],
      logger,
    });
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });
  beforeEach(async () => {
    // A new sign-in stores a fresh, readable pair under the app's key.
    accountId = (await signInThroughApp(app, emulator)).account.id;
    logger.lines.length = 0;
  });

  async function storeUnderRetiredKey(column: 'access' | 'refresh'): Promise<void> {
    const field = column === 'access' ? 'accessTokenEncrypted' : 'refreshTokenEncrypted';
    await app.dataSource
      .getRepository(LinkedAccount)
      .update(
        { id: accountId },
        { [field]: retiredCipher.encrypt('a-token-value', tokenBinding(accountId, column)) },
      );
  }

  async function probe(): Promise<{ status: number; body: string }> {
    const response = await fetch(`${app.url}/probe/${accountId}`);
    return { status: response.status, body: await response.text() };
  }

  it('answers a bare 500 for an access token under a key the app no longer has; the log names the key', async () => {
    await storeUnderRetiredKey('access');

    const { status, body } = await probe();

    expect(status).toBe(500);
    expect(JSON.parse(body)).toEqual({ statusCode: 500, message: 'Internal server error' });
    for (const hint of KEY_HINTS) expect(body).not.toContain(hint);
    expect(logger.lines.join('\n')).toContain(`key "${RETIRED_KEY_ID}"`);
  });

  it('answers a bare 500 for an access token that fails authentication (made for another row)', async () => {
    const cipher = app.app.get(TokenCipher);
    await app.dataSource.getRepository(LinkedAccount).update(
      { id: accountId },
      {
        accessTokenEncrypted: cipher.encrypt('a-token-value', tokenBinding('another', 'access')),
      },
    );

    const { status, body } = await probe();

    expect(status).toBe(500);
    expect(JSON.parse(body)).toEqual({ statusCode: 500, message: 'Internal server error' });
    expect(body).not.toContain(cipher.currentKey);
    expect(logger.lines.join('\n')).toContain('failed authentication');
  });

  it('answers 503 token_refresh_failed without the key hint for a due refresh token under a retired key; the account keeps the hint', async () => {
    await storeUnderRetiredKey('refresh');
    emulator.clock.advance(2 * 3600_000);

    const { status, body } = await probe();

    expect(status).toBe(503);
    expect(JSON.parse(body)).toMatchObject({ statusCode: 503, code: 'token_refresh_failed' });
    for (const hint of KEY_HINTS) expect(body).not.toContain(hint);
    const row = await app.dataSource
      .getRepository(LinkedAccount)
      .findOneByOrFail({ id: accountId });
    expect(row.lastRefreshError).toContain(`key "${RETIRED_KEY_ID}"`);
    expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(0);
  });
});
