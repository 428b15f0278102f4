import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AccountLinkService } from '../../accounts/account-link.service.js';
import { AccountRemovalHooks } from '../../accounts/account-removal-hooks.js';
import type { LinkedAccountView } from '../../accounts/linked-account.view.js';
import { ATLASSIAN_OPTIONS } from '../../atlassian.constants.js';
import { AtlassianClock } from '../../clock/atlassian-clock.js';
import { AtlassianApiError } from '../../errors/api-errors.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AccountNotLinkedError } from '../../errors/token-errors.js';
import { AtlassianWebhookRegistrationError } from '../../errors/webhook-registration.error.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import { errorSummary } from './error-summary.js';
import { BitbucketHookApi } from './bitbucket-hook-api.js';
import { BitbucketHookRegistrar } from './bitbucket-hook-registrar.js';
import { JiraWebhookRegistrar } from './jira-webhook-registrar.js';
import type { JiraWebhookFilter } from './jira-webhook-api.js';
import type { WebhookRegistration } from './webhook-registration.entity.js';
import { WebhookRegistrationStore } from './webhook-registration.store.js';
import {
  toWebhookRegistrationView,
  type WebhookRegistrationView,
} from './webhook-registration.view.js';

/** What `registerJira` registers for. */
export type RegisterJiraWebhookInput = JiraWebhookFilter;

/** What `registerBitbucket` registers: a repository's hook, or a workspace's without `repository`. */
export interface RegisterBitbucketWebhookInput {
  workspace: string;
  /** The repository slug; without it, a workspace hook. */
  repository?: string;
  /** e.g. `repo:push`, `pullrequest:created`. */
  events: string[];
  /** Shown in Bitbucket's settings. Default `nestjs-atlassian`. */
  description?: string;
}

/**
 * Registers, lists and removes the webhooks of linked accounts: Jira dynamic webhooks (renewed by
 * `WebhookRenewalScheduler`) and Bitbucket hooks (a secret per hook, encrypted like a token, never
 * handed out). A registration is stored only once the provider has it, and a provider's webhook is
 * deleted again when it could not be stored, so that neither side keeps an orphan.
 */
@Injectable()
export class AtlassianWebhookService implements OnModuleInit {
  private readonly logger = new Logger('AtlassianWebhookService');

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: WebhookRegistrationStore,
    private readonly accounts: AccountLinkService,
    private readonly jira: JiraWebhookRegistrar,
    private readonly bitbucket: BitbucketHookRegistrar,
    private readonly clock: AtlassianClock,
    private readonly removalHooks: AccountRemovalHooks,
  ) {}

  onModuleInit(): void {
    this.removalHooks.register((accountId) => this.removeForAccount(accountId));
  }

  /**
   * Registers a Jira webhook for the account on the site, delivered to `webhooks.jiraUrl`. Refused
   * before any call to Jira when the URL is not configured, the grant lacks the webhook scopes, or
   * the account already has 5 active ones there.
   */
  async registerJira(
    accountId: string,
    cloudId: string,
    input: RegisterJiraWebhookInput,
  ): Promise<WebhookRegistrationView> {
    const url = this.requireUrl('jiraUrl');
    const account = await this.account(accountId, 'atlassian');
    this.jira.assertMayRegister(account, cloudId);
    const active = await this.store.countActive(accountId, 'atlassian', cloudId);
    this.jira.assertUnderLimit(active, cloudId);
    const created = await this.jira.register(accountId, cloudId, url, input);
    const now = this.clock.now();
    return this.storeOrUndo(
      {
        id: randomUUID(),
        provider: 'atlassian',
        linkedAccountId: accountId,
        target: cloudId,
        remoteId: created.remoteId,
        events: input.events,
        jqlFilter: input.jqlFilter,
        fieldIdsFilter: input.fieldIdsFilter ?? null,
        secretEncrypted: null,
        expiresAt: created.expiresAt,
        lastRenewedAt: now,
      },
      () => this.jira.delete(accountId, cloudId, [created.remoteId]),
    );
  }

  /**
   * Creates a Bitbucket hook for the account on a repository (or a workspace), delivered to
   * `webhooks.bitbucketUrl`, signed with a secret made for this hook and stored encrypted.
   */
  async registerBitbucket(
    accountId: string,
    input: RegisterBitbucketWebhookInput,
  ): Promise<WebhookRegistrationView> {
    const url = this.requireUrl('bitbucketUrl');
    this.bitbucket.assertMayRegister(await this.account(accountId, 'bitbucket'));
    const target = BitbucketHookApi.target(input.workspace, input.repository);
    // The row id first: the secret's ciphertext is bound to it.
    const id = randomUUID();
    const created = await this.bitbucket.create(accountId, id, target, {
      url,
      description: input.description ?? 'nestjs-atlassian',
      events: input.events,
    });
    return this.storeOrUndo(
      {
        id,
        provider: 'bitbucket',
        linkedAccountId: accountId,
        target,
        remoteId: created.remoteId,
        events: input.events,
        jqlFilter: null,
        fieldIdsFilter: null,
        secretEncrypted: created.secretEncrypted,
        expiresAt: null,
        lastRenewedAt: this.clock.now(),
      },
      () => this.bitbucket.delete(accountId, target, created.remoteId),
    );
  }

  /** The account's registrations, oldest first; never a secret. */
  async list(accountId: string): Promise<WebhookRegistrationView[]> {
    return (await this.store.findForAccount(accountId)).map(toWebhookRegistrationView);
  }

  /**
   * Deletes the registration at the provider (one it no longer has counts as deleted), then here.
   * A failure at the provider keeps the row, so the removal can be tried again.
   */
  async remove(registrationId: string): Promise<void> {
    const row = await this.store.findById(registrationId);
    if (!row) {
      throw new AtlassianWebhookRegistrationError(
        AtlassianErrorCode.WebhookRegistrationNotFound,
        `No webhook registration has the id ${registrationId}: list the account's registrations for their ids.`,
      );
    }
    await this.deleteRemotely(row);
    await this.store.delete(row.id);
  }

  /**
   * Removes every registration of an account that is being unlinked or forgotten: at the provider
   * as far as it works (failures logged, never thrown), then here in any case.
   */
  private async removeForAccount(accountId: string): Promise<void> {
    for (const row of await this.store.findForAccount(accountId)) {
      try {
        await this.deleteRemotely(row);
      } catch (err) {
        this.logger.warn(
          `Could not remove the ${row.provider} webhook ${row.remoteId} of account ${accountId} at the provider (${errorSummary(err)}); it is forgotten here.`,
        );
      }
      await this.store.delete(row.id);
    }
  }

  private async deleteRemotely(row: WebhookRegistration): Promise<void> {
    try {
      if (row.provider === 'atlassian')
        await this.jira.delete(row.linkedAccountId, row.target, [row.remoteId]);
      else await this.bitbucket.delete(row.linkedAccountId, row.target, row.remoteId);
    } catch (err) {
      if (err instanceof AtlassianApiError && err.upstreamStatus === 404) return;
      throw err;
    }
  }

  /** Stores the row; when that fails, deletes what the provider just created, then rethrows. */
  private async storeOrUndo(
    row: Parameters<WebhookRegistrationStore['insert']>[0],
    undo: () => Promise<void>,
  ): Promise<WebhookRegistrationView> {
    try {
      return toWebhookRegistrationView(await this.store.insert(row));
    } catch (err) {
      await undo().catch((undoError: unknown) =>
        this.logger.error(
          `Webhook ${row.remoteId} was created at ${row.provider} but could not be stored, nor deleted there (${errorSummary(undoError)}): delete it by hand.`,
        ),
      );
      throw err;
    }
  }

  private requireUrl(option: 'jiraUrl' | 'bitbucketUrl'): string {
    const url = this.options.webhooks[option];
    if (url === null) {
      throw new AtlassianWebhookRegistrationError(
        AtlassianErrorCode.WebhookUrlMissing,
        `webhooks.${option} is not configured: set it to the public URL of the app's ${option === 'jiraUrl' ? 'Jira' : 'Bitbucket'} webhook route.`,
      );
    }
    return url;
  }

  private async account(
    accountId: string,
    provider: 'atlassian' | 'bitbucket',
  ): Promise<LinkedAccountView> {
    const account = await this.accounts.findById(accountId);
    if (!account || account.provider !== provider)
      throw new AccountNotLinkedError(`${provider} account ${accountId}`);
    return account;
  }
}
