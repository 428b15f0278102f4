import type {
  EmulatorBitbucketConsumerInput,
  EmulatorBitbucketRepositoryInput,
} from './bitbucket.types.js';

/** Bitbucket durations used when `AtlassianEmulator.start()` is given none, in seconds (Bitbucket's own values). */
export const EMULATOR_BITBUCKET_DEFAULT_DURATIONS = {
  bitbucketAccessTokenTtlSeconds: 7200,
  bitbucketInactivityExpirySeconds: 90 * 24 * 3600,
} as const;

/** Scopes a consumer has when registered without `scopes`. */
export const BITBUCKET_CONSUMER_DEFAULT_SCOPES = ['account', 'email', 'repository'] as const;

/** The consumer registered when `bitbucketConsumers` is not given. */
export const DEFAULT_EMULATOR_BITBUCKET_CONSUMER: EmulatorBitbucketConsumerInput = {
  key: 'emulator-bitbucket-key',
  secret: 'emulator-bitbucket-secret',
  callbackURL: 'http://localhost:3000/auth/bitbucket/callback',
};

/** Repositories of a user's default workspace. */
export const BITBUCKET_DEFAULT_REPOSITORIES: readonly EmulatorBitbucketRepositoryInput[] = [
  { name: 'website', is_private: false },
  { name: 'notes', is_private: true },
];

/** `created_on` of every emulated Bitbucket user. */
export const BITBUCKET_CREATED_ON = '2016-03-01T09:30:00.000000+00:00';
