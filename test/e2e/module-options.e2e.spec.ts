import { Inject, Injectable, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test, type TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountLinkService,
  ATLASSIAN_OPTIONS,
  AtlassianAuthGuard,
  AtlassianModule,
  AtlassianOptionsError,
  InjectAtlassianOptions,
  atlassianEntities,
  atlassianMigrations,
  TokenCipher,
  type AtlassianModuleOptions,
  type AtlassianOptionsFactory,
  type NormalizedAtlassianOptions,
} from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';

const KEY = randomBytes(32).toString('base64');
const CALLBACK_URL = 'https://app.example.com/auth/atlassian/callback';

function validOptions(): AtlassianModuleOptions {
  return {
    atlassian: {
      clientId: 'module-client',
      clientSecret: 'module-secret',
      callbackURL: CALLBACK_URL,
      authBaseURL: 'https://auth.example.test/',
      scope: ['read:jira-work'],
    },
    encryptionKeys: [KEY],
  };
}

/** `useClass` / `useExisting` factory, written against the exported interface. */
@Injectable()
class AppAtlassianOptions implements AtlassianOptionsFactory {
  createAtlassianOptions(): AtlassianModuleOptions {
    return validOptions();
  }
}

@Module({ providers: [AppAtlassianOptions], exports: [AppAtlassianOptions] })
class OptionsFactoryModule {}

/** A provider in a module that does not import AtlassianModule. */
@Injectable()
class SiblingConsumer {
  constructor(
    @InjectAtlassianOptions() readonly options: NormalizedAtlassianOptions,
    @Inject(AccountLinkService) readonly accounts: AccountLinkService,
    @Inject(AtlassianAuthGuard) readonly guard: AtlassianAuthGuard,
  ) {}
}

@Module({ providers: [SiblingConsumer] })
class SiblingModule {}

describe('AtlassianModule options', () => {
  let database: TestDatabase;
  let moduleRef: TestingModule | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('sqlite');
  });
  afterEach(async () => {
    await moduleRef?.close();
    moduleRef = undefined;
  });

  function typeOrm(): DynamicModule {
    return TypeOrmModule.forRoot({
      ...database.typeorm,
      entities: atlassianEntities,
      migrations: atlassianMigrations,
      migrationsRun: true,
    });
  }

  /** Compiles a testing module around `atlassian` and keeps it for closing. */
  async function compile(
    atlassian: DynamicModule,
    ...extra: Array<DynamicModule | typeof SiblingModule>
  ): Promise<TestingModule> {
    moduleRef = await Test.createTestingModule({
      imports: [typeOrm(), atlassian, ...extra],
    }).compile();
    return moduleRef;
  }

  /** What every valid configuration above must normalise to. */
  function expectNormalised(options: NormalizedAtlassianOptions): void {
    expect(options.atlassian).toMatchObject({
      clientId: 'module-client',
      clientSecret: 'module-secret',
      callbackURL: CALLBACK_URL,
      pkce: true,
      authorizationURL: 'https://auth.example.test/authorize',
      tokenURL: 'https://auth.example.test/oauth/token',
      apiBaseURL: 'https://api.atlassian.com',
    });
    expect(options.atlassian.scope).toEqual(['read:me', 'offline_access', 'read:jira-work']);
    expect(options.stateCookie).toEqual({
      name: 'nestjs_atlassian_oauth',
      maxAgeSeconds: 600,
      secure: true,
    });
    expect(options.httpTimeoutMs).toBe(10_000);
    expect(options.encryptionKeys).toEqual([
      { id: expect.stringMatching(/^[\w-]{8}$/), key: Buffer.from(KEY, 'base64') },
    ]);
  }

  describe('resolving the options', () => {
    it('forRoot', async () => {
      const ref = await compile(AtlassianModule.forRoot(validOptions()));
      expectNormalised(ref.get(ATLASSIAN_OPTIONS));
      // The cipher the module provides uses the same keys.
      const cipher = ref.get(TokenCipher);
      expect(cipher.encrypt('x')).toMatch(
        new RegExp(
          `^v2:${ref.get<NormalizedAtlassianOptions>(ATLASSIAN_OPTIONS).encryptionKeys[0].id}:`,
        ),
      );
    });

    it('forRootAsync with useFactory and inject (ConfigService)', async () => {
      const ref = await compile(
        AtlassianModule.forRootAsync({
          imports: [
            ConfigModule.forRoot({
              ignoreEnvFile: true,
              load: [
                () => ({
                  ATLASSIAN_CLIENT_ID: 'module-client',
                  ATLASSIAN_CLIENT_SECRET: 'module-secret',
                  TOKEN_KEY: KEY,
                }),
              ],
            }),
          ],
          inject: [ConfigService],
          useFactory: async (config: ConfigService): Promise<AtlassianModuleOptions> => ({
            atlassian: {
              ...validOptions().atlassian,
              clientId: config.getOrThrow<string>('ATLASSIAN_CLIENT_ID'),
              clientSecret: config.getOrThrow<string>('ATLASSIAN_CLIENT_SECRET'),
            },
            encryptionKeys: [config.getOrThrow<string>('TOKEN_KEY')],
          }),
        }),
      );
      expectNormalised(ref.get(ATLASSIAN_OPTIONS));
    });

    it('forRootAsync with useClass', async () => {
      const ref = await compile(AtlassianModule.forRootAsync({ useClass: AppAtlassianOptions }));
      expectNormalised(ref.get(ATLASSIAN_OPTIONS));
    });

    it('forRootAsync with useExisting', async () => {
      const ref = await compile(
        AtlassianModule.forRootAsync({
          imports: [OptionsFactoryModule],
          useExisting: AppAtlassianOptions,
        }),
      );
      expectNormalised(ref.get(ATLASSIAN_OPTIONS));
    });

    it('keeps the exports private to importers unless isGlobal is set', async () => {
      await expect(compile(AtlassianModule.forRoot(validOptions()), SiblingModule)).rejects.toThrow(
        /SiblingConsumer/,
      );
    });

    it('isGlobal: true makes the exports visible to a sibling module', async () => {
      const ref = await compile(
        AtlassianModule.forRoot({ ...validOptions(), isGlobal: true }),
        SiblingModule,
      );
      const sibling = ref.get(SiblingConsumer);
      expectNormalised(sibling.options);
      expect(sibling.accounts).toBe(ref.get(AccountLinkService));
      expect(sibling.guard).toBeInstanceOf(AtlassianAuthGuard);
    });

    it('forRootAsync with isGlobal: true does the same', async () => {
      const ref = await compile(
        AtlassianModule.forRootAsync({ useClass: AppAtlassianOptions, isGlobal: true }),
        SiblingModule,
      );
      expectNormalised(ref.get(SiblingConsumer).options);
    });
  });

  describe('refusing to boot with invalid options', () => {
    const base = validOptions();
    const key16 = randomBytes(16).toString('base64');
    it.each<[string, AtlassianModuleOptions, RegExp]>([
      [
        'atlassian is missing',
        { ...base, atlassian: undefined as never },
        /"atlassian" is missing: give \{ clientId, clientSecret, callbackURL \}/,
      ],
      [
        'clientId is missing',
        { ...base, atlassian: { ...base.atlassian, clientId: undefined as never } },
        /"atlassian\.clientId" is missing or empty\. Copy the client id/,
      ],
      [
        'clientSecret is empty',
        { ...base, atlassian: { ...base.atlassian, clientSecret: '' } },
        /"atlassian\.clientSecret" is missing or empty\. Copy the secret/,
      ],
      [
        'callbackURL is not a URL',
        { ...base, atlassian: { ...base.atlassian, callbackURL: 'not a url' } },
        /"atlassian\.callbackURL" must be an absolute http\(s\) URL/,
      ],
      [
        'callbackURL is ftp',
        { ...base, atlassian: { ...base.atlassian, callbackURL: 'ftp://x' } },
        /"atlassian\.callbackURL" must be an absolute http\(s\) URL.*"ftp:\/\/x"/,
      ],
      [
        'encryptionKeys is missing',
        { ...base, encryptionKeys: undefined as never },
        /"encryptionKeys" is missing: give at least one 32-byte key/,
      ],
      [
        'encryptionKeys is empty',
        { ...base, encryptionKeys: [] },
        /"encryptionKeys" is missing: give at least one 32-byte key/,
      ],
      [
        'a key has 16 bytes',
        { ...base, encryptionKeys: [key16] },
        /"encryptionKeys\[0\]" decodes to 16 bytes; AES-256 needs exactly 32.*Generate one/,
      ],
      [
        'two keys share an id',
        {
          ...base,
          encryptionKeys: [
            { id: 'k', key: KEY },
            { id: 'k', key: randomBytes(32).toString('hex') },
          ],
        },
        /"encryptionKeys" has two keys with the same id: give each key its own id/,
      ],
      [
        'a key id is invalid',
        { ...base, encryptionKeys: [{ id: 'key one!', key: KEY }] },
        /"encryptionKeys\[0\]\.id" must be 1-32 letters, digits/,
      ],
      [
        'a scope has spaces',
        { ...base, atlassian: { ...base.atlassian, scope: ['read:jira-work write:jira-work'] } },
        /"atlassian\.scope" must be an array of scope names without spaces/,
      ],
      [
        'httpTimeoutMs is 0',
        { ...base, httpTimeoutMs: 0 },
        /"httpTimeoutMs" must be a positive whole number; got 0/,
      ],
    ])('with forRoot when %s', async (_label, options, message) => {
      const boot = compile(AtlassianModule.forRoot(options));
      await expect(boot).rejects.toThrow(AtlassianOptionsError);
      await expect(boot).rejects.toThrow(message);
    });

    it('with forRootAsync when the factory answers invalid options', async () => {
      const boot = compile(
        AtlassianModule.forRootAsync({
          useFactory: async () => ({
            ...validOptions(),
            atlassian: { ...validOptions().atlassian, clientId: '' },
          }),
        }),
      );
      await expect(boot).rejects.toThrow(AtlassianOptionsError);
      await expect(boot).rejects.toThrow(/"atlassian\.clientId" is missing or empty/);
    });

    it('with the stable code and option path on the error', async () => {
      await expect(
        compile(AtlassianModule.forRoot({ ...validOptions(), httpTimeoutMs: 0 })),
      ).rejects.toMatchObject({
        name: 'AtlassianOptionsError',
        code: 'atlassian_invalid_options',
        option: 'httpTimeoutMs',
      });
    });
  });
});
