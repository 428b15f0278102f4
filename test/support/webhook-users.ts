import { randomUUID } from 'node:crypto';
import type { AuthenticatedUser } from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import { signInThroughApp } from './sign-in.js';
import type { TestApp } from './test-app.js';

/** The scopes a Jira webhook needs, as the webhook suites' apps ask for them. */
export const JIRA_WEBHOOK_APP_SCOPES = ['read:jira-work', 'manage:jira-webhook'];

/** Where the webhook suites' apps say Jira delivers (never called: no issue changes in these suites). */
export const TEST_JIRA_WEBHOOK_URL = 'https://app.example.com/webhooks/jira';

/** A signed-in emulator user with one Jira site of its own, and the site's cloudId. */
export interface SiteUser {
  user: AuthenticatedUser;
  accountId: string;
  userId: string;
  cloudId: string;
}

/**
 * Adds `name` to the emulator with a site of its own (only `siteScopes` on it, when given) and signs
 * it in through the app's real routes.
 */
export async function signInWithOwnSite(
  app: TestApp,
  emulator: AtlassianEmulator,
  name: string,
  siteScopes?: string[],
): Promise<SiteUser> {
  const cloudId = randomUUID();
  emulator.addUser({
    accountId: name,
    name,
    sites: [
      {
        id: cloudId,
        name: `${name}-site`,
        url: `https://${name}.atlassian.net`,
        ...(siteScopes && { scopes: siteScopes }),
      },
    ],
  });
  emulator.signInAs(name);
  const user = await signInThroughApp(app, emulator);
  return { user, accountId: user.account.id, userId: user.userId, cloudId };
}
