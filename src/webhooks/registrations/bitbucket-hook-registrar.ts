import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { LinkedAccountView } from '../../accounts/linked-account.view.js';
import { BitbucketApiClient } from '../../clients/bitbucket-api.client.js';
import { TokenCipher, webhookSecretBinding } from '../../crypto/token-cipher.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AtlassianWebhookRegistrationError } from '../../errors/webhook-registration.error.js';
import { BITBUCKET_WEBHOOK_SCOPE, BitbucketHookApi } from './bitbucket-hook-api.js';

/** Bytes of a Bitbucket hook secret (hex-encoded, 64 characters). */
const HOOK_SECRET_BYTES = 32;

/** A hook Bitbucket created: its uuid, and its secret as stored (encrypted, bound to its row). */
export interface CreatedBitbucketHook {
  remoteId: string;
  secretEncrypted: string;
}

/**
 * Bitbucket's hooks for one linked account, through the API client: the scope check made before
 * calling Bitbucket, and a secret made for each hook, which leaves this class only encrypted.
 * @internal
 */
@Injectable()
export class BitbucketHookRegistrar {
  constructor(
    private readonly api: BitbucketApiClient,
    private readonly cipher: TokenCipher,
  ) {}

  /** Throws unless the account's grant has the `webhook` scope. */
  assertMayRegister(account: LinkedAccountView): void {
    if (!account.scopes.includes(BITBUCKET_WEBHOOK_SCOPE)) {
      throw new AtlassianWebhookRegistrationError(
        AtlassianErrorCode.WebhookScopesMissing,
        `The Bitbucket grant lacks the "${BITBUCKET_WEBHOOK_SCOPE}" scope: add it to the OAuth consumer's permissions, then have the user connect again.`,
        [BITBUCKET_WEBHOOK_SCOPE],
      );
    }
  }

  /** Creates an active hook on `target` signed with a new secret, encrypted for the row `registrationId`. */
  async create(
    accountId: string,
    registrationId: string,
    target: string,
    hook: { url: string; description: string; events: string[] },
  ): Promise<CreatedBitbucketHook> {
    const secret = randomBytes(HOOK_SECRET_BYTES).toString('hex');
    const remoteId = await this.on(accountId).create(target, { ...hook, secret });
    return {
      remoteId,
      secretEncrypted: this.cipher.encrypt(secret, webhookSecretBinding(registrationId)),
    };
  }

  /** Deletes a hook at Bitbucket. */
  delete(accountId: string, target: string, uuid: string): Promise<void> {
    return this.on(accountId).delete(target, uuid);
  }

  private on(accountId: string): BitbucketHookApi {
    return new BitbucketHookApi(this.api.forAccount(accountId));
  }
}
