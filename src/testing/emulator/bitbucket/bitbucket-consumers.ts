import { BITBUCKET_CONSUMER_DEFAULT_SCOPES } from '../bitbucket-defaults.js';
import type {
  EmulatorBitbucketConsumer,
  EmulatorBitbucketConsumerInput,
} from '../bitbucket.types.js';

/** The OAuth consumers bitbucket.org accepts, by key, in registration order. */
export class BitbucketConsumers {
  private readonly consumers = new Map<string, EmulatorBitbucketConsumer>();

  /** Add or replace a consumer, checked and with its scopes filled in. */
  register(input: EmulatorBitbucketConsumerInput): void {
    const consumer = normalizeBitbucketConsumer(input);
    this.consumers.set(consumer.key, consumer);
  }

  /** The consumer with `key`, if registered. */
  get(key: string | undefined): EmulatorBitbucketConsumer | undefined {
    return key === undefined ? undefined : this.consumers.get(key);
  }

  /** The first registered consumer, used when a helper is not told which. */
  first(): EmulatorBitbucketConsumer | undefined {
    return this.consumers.values().next().value;
  }
}

/** Check a consumer and fill in its scopes. */
function normalizeBitbucketConsumer(
  input: EmulatorBitbucketConsumerInput,
): EmulatorBitbucketConsumer {
  if (!input.key || !input.secret)
    throw new TypeError('registerBitbucketConsumer: key and secret are required');
  if (!URL.canParse(input.callbackURL)) {
    throw new TypeError(
      `registerBitbucketConsumer: callbackURL must be an absolute URL, got "${input.callbackURL}"`,
    );
  }
  return { ...input, scopes: [...(input.scopes ?? BITBUCKET_CONSUMER_DEFAULT_SCOPES)] };
}
