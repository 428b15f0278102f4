import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianSite,
  AtlassianTokenService,
  LinkedAccount,
  PersonalDataReporter,
} from '../../src/index.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID } from '../../src/testing/index.js';
import { SESSION_COOKIE } from '../../example/session/demo-session.js';
import { chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { startDemoUnderTest, type DemoUnderTest } from './demo-app.js';

const skipReason = chromiumSkipReason();

describe.skipIf(skipReason !== undefined)(
  skipReason ? `demo app in Chromium (SKIPPED: ${skipReason})` : 'demo app in Chromium',
  () => {
    let running: DemoUnderTest;
    let browser: Browser;

    beforeAll(async () => {
      running = await startDemoUnderTest();
      browser = await launchChromium();
    });
    /** A new browser context, signed in to the demo by connecting Atlassian through the consent page. */
    async function connectedPage() {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${running.demo.url}/auth/atlassian`);
      await Promise.all([page.waitForURL(`${running.demo.url}/`), page.click('#approve')]);
      return { context, page };
    }

    afterAll(async () => {
      await browser?.close();
      await running?.close();
    });

    it('connects Atlassian through the consent page, then shows the account, its sites and Jira projects', async () => {
      const { demo } = running;
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(demo.url);
      expect(await page.textContent('main')).toContain('Not signed in');

      await page.getByRole('link', { name: 'Connect Atlassian' }).click();
      await page.waitForURL(
        (url) => url.origin === demo.emulator!.authBaseURL && url.pathname === '/authorize',
      );
      expect(await page.textContent('#client-id')).toBe('emulator-client-id');

      await Promise.all([page.waitForURL(`${demo.url}/`), page.click('#approve')]);
      const text = (await page.textContent('main'))!;
      expect(text).toContain('Ada Lovelace');
      expect(text).toContain('ada@example.com');
      expect(await page.locator('.site-url').allTextContents()).toEqual(
        expect.arrayContaining([
          'https://acme.atlassian.net',
          'https://globex.atlassian.net',
          'https://initech.atlassian.net',
        ]),
      );
      expect(await page.locator('.jira-projects li').allTextContents()).toEqual(
        expect.arrayContaining(['ACME Acme Platform', 'TPS TPS Reports']),
      );
      expect(await page.locator('.jira-myself').first().textContent()).toBe('Ada Lovelace');
      expect(await page.locator('.error').count()).toBe(0);
      // The whole /me answer the library stored, as req.user and resolveUser see it.
      const profile = page.locator('.account[data-provider="atlassian"] .profile');
      const field = (name: string) => profile.locator(`td[data-field="${name}"]`).textContent();
      expect(await field('account_status')).toBe('active');
      expect(await field('account_id')).toBe(DEFAULT_EMULATOR_ACCOUNT_ID);
      expect(await field('extended_profile.job_title')).toBe('Analyst');

      const userId = (await page.textContent('#user-id'))!;
      const account = await demo.dataSource
        .getRepository(LinkedAccount)
        .findOneByOrFail({ provider: 'atlassian', providerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID });
      expect(account.userId).toBe(userId);
      expect(account.status).toBe('active');
      expect(
        await demo.dataSource.getRepository(AtlassianSite).countBy({ linkedAccountId: account.id }),
      ).toBe(3);

      const accessToken = await demo.app
        .get(AtlassianTokenService)
        .getAccessToken({ accountId: account.id });
      expect(await page.content()).not.toContain(accessToken);
      const session = (await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE);
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(session!.value).not.toContain(accessToken);
      await context.close();
    });

    it('connects Atlassian, then Bitbucket, and shows the repositories under the one identity of that person', async () => {
      const { demo } = running;
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(demo.url);
      await page.getByRole('link', { name: 'Connect Atlassian' }).click();
      await Promise.all([page.waitForURL(`${demo.url}/`), page.click('#approve')]);
      const userId = (await page.textContent('#user-id'))!;

      await page.getByRole('link', { name: 'Connect Bitbucket' }).click();
      await page.waitForURL(
        (url) =>
          url.origin === demo.emulator!.bitbucketAuthBaseURL &&
          url.pathname === '/site/oauth2/authorize',
      );
      expect(await page.textContent('#client-id')).toBe('emulator-bitbucket-key');
      await Promise.all([page.waitForURL(`${demo.url}/`), page.click('#approve')]);

      expect(await page.textContent('#user-id')).toBe(userId);
      const identities = page.locator('.identity');
      expect(await identities.count()).toBe(1);
      expect(await identities.first().getAttribute('data-atlassian-account-id')).toBe(
        DEFAULT_EMULATOR_ACCOUNT_ID,
      );
      expect(
        await identities
          .first()
          .locator('.account')
          .evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-provider'))),
      ).toEqual(['atlassian', 'bitbucket']);
      expect(await page.locator('.bitbucket-repositories li').allTextContents()).toEqual([
        'ada-lovelace/website',
        'ada-lovelace/notes private',
      ]);
      expect(await page.locator('.confluence-spaces li').allTextContents()).toEqual(
        expect.arrayContaining(['ENG Engineering', 'DOCS Documentation']),
      );
      expect(await page.locator('.error').count()).toBe(0);

      const bitbucketAccount = await demo.dataSource
        .getRepository(LinkedAccount)
        .findOneByOrFail({ provider: 'bitbucket', providerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID });
      expect(bitbucketAccount).toMatchObject({
        userId,
        status: 'active',
        email: 'ada@example.com',
      });
      const bitbucketToken = await demo.app
        .get(AtlassianTokenService)
        .getAccessToken({ accountId: bitbucketAccount.id });
      expect(demo.emulator!.isBitbucketAccessTokenValid(bitbucketToken)).toBe(true);
      expect(await page.content()).not.toContain(bitbucketToken);
      await context.close();
    });

    it('receives a Jira webhook: connect, press "Update an issue", and the delivery appears on the page', async () => {
      const { context, page } = await connectedPage();
      // Connecting registered a webhook on each site whose grant allows it.
      expect(await page.locator('.webhook[data-status="active"]').count()).toBeGreaterThan(0);
      expect(await page.locator('.error').count()).toBe(0);
      expect(await page.locator('#webhook-events .webhook-event').count()).toBe(0);

      await page.click('#update-issue');
      await page.locator('#emulator-action-result', { hasText: 'now reads' }).waitFor();
      const delivered = page.locator('#webhook-events .webhook-event').first();
      await delivered.waitFor();
      expect(await delivered.textContent()).toMatch(/^jira:issue_updated [A-Z]+-\d+ at /);

      const events = (await page.evaluate(() =>
        fetch('/api/webhooks/events').then((answer) => answer.json()),
      )) as Array<Record<string, unknown>>;
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        id: await delivered.getAttribute('data-delivery-id'),
        event: 'jira:issue_updated',
        cloudId: await page.locator('#update-issue').getAttribute('data-cloud-id'),
        issueKey: expect.stringMatching(/^[A-Z]+-\d+$/),
        receivedAt: expect.any(String),
      });
      await context.close();
    });

    it('signs out with the Sign out button and forgets the demo session, not the link', async () => {
      const { demo } = running;
      const { context, page } = await connectedPage();
      expect(await page.textContent('#user-id')).toBeTruthy();

      await Promise.all([
        page.waitForURL(`${demo.url}/`),
        page.getByRole('button', { name: 'Sign out' }).click(),
      ]);
      expect(await page.textContent('main')).toContain('Not signed in');
      expect((await context.cookies()).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(
        false,
      );
      expect(
        await demo.dataSource
          .getRepository(LinkedAccount)
          .countBy({ provider: 'atlassian', providerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID }),
      ).toBe(1);
      await context.close();
    });

    // Last: it closes the emulator's default person for good.
    it('closes the account at Atlassian with the button; the next personal data report erases it from the page', async () => {
      const { demo } = running;
      const { context, page } = await connectedPage();
      expect(await page.locator('.account-name').first().textContent()).toBe('Ada Lovelace');

      await page.click('#close-account');
      await page.locator('#emulator-action-result', { hasText: 'Closed at Atlassian' }).waitFor();
      // What PERSONAL_DATA_REPORTING_CRON would run.
      const summary = await demo.app.get(PersonalDataReporter).runOnce();
      expect(summary.closed).toBeGreaterThanOrEqual(1);

      await page.reload();
      const account = page.locator('.account[data-provider="atlassian"]');
      expect(await account.locator('.status').textContent()).toBe('closed');
      expect(await account.locator('.account-name').textContent()).toBe('(no name)');
      const text = (await page.textContent('main'))!;
      expect(text).not.toContain('Ada Lovelace');
      expect(text).not.toContain('ada@example.com');
      expect(await account.locator('.profile-none').count()).toBe(1);
      await context.close();
    });
  },
);
