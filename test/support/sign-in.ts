import type { AuthenticatedUser } from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import { BrowserSession } from './browser-session.js';
import type { TestApp } from './test-app.js';

/** Signs the emulator's current user in through the app's real routes; returns `req.user`. */
export async function signInThroughApp(
  app: TestApp,
  emulator: AtlassianEmulator,
  headers: Record<string, string> = {},
): Promise<AuthenticatedUser> {
  const session = new BrowserSession();
  const login = await session.request(`${app.url}/auth/atlassian`, { headers });
  const callback = await emulator.approve(login.headers.get('location')!);
  const response = await session.request(callback, { headers });
  if (response.status !== 200)
    throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as AuthenticatedUser;
}
