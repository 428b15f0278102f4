import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { AtlassianModule, atlassianEntities, atlassianMigrations } from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import { AuthTestController } from '../fixtures/auth-test.controller.js';
import type { TestDatabase } from './databases.js';
import { freePort } from './free-port.js';
import type { TestApp } from './test-app.js';

/**
 * The Atlassian fixture app listening on 127.0.0.1 with its callback URL on `localhost` (same port), as
 * a dev app registered with `http://localhost:3000/...`: `url` is the 127.0.0.1 address, `callbackURL`
 * the localhost one. Its own builder because the callback URL must name the port before the module boots.
 */
export async function startAppWithLocalhostCallback(
  database: TestDatabase,
  emulator: AtlassianEmulator,
): Promise<TestApp> {
  const port = await freePort();
  const callbackURL = `http://localhost:${port}/auth/atlassian/callback`;
  const encryptionKey = randomBytes(32).toString('base64');
  emulator.registerClient({
    clientId: 'test-client',
    clientSecret: 'test-secret',
    redirectUris: [callbackURL],
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        ...database.typeorm,
        entities: atlassianEntities,
        migrations: atlassianMigrations,
        migrationsRun: true,
      }),
      AtlassianModule.forRoot({
        atlassian: {
          clientId: 'test-client',
          clientSecret: 'test-secret',
          callbackURL,
          authBaseURL: emulator.authBaseURL,
          apiBaseURL: emulator.apiBaseURL,
          scope: ['read:jira-work'],
        },
        encryptionKeys: [encryptionKey],
        httpTimeoutMs: 2_000,
      }),
    ],
    controllers: [AuthTestController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(port, '127.0.0.1');
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    callbackURL,
    bitbucketCallbackURL: '',
    dataSource: app.get(getDataSourceToken()),
    encryptionKey,
    close: () => app.close(),
  };
}
