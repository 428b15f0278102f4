/** One attempt to deliver a webhook, as `AtlassianEmulator.webhookDeliveries()` lists it. */
export interface EmulatorWebhookDelivery {
  /** Who sent it: Jira (a dynamic webhook) or Bitbucket (a repository or workspace hook). */
  provider: 'jira' | 'bitbucket';
  /** The URL it was posted to. */
  url: string;
  /** The delivery's id, the same on every attempt: `X-Atlassian-Webhook-Identifier` or `X-Request-UUID`. */
  identifier: string;
  /** `webhookEvent` (Jira) or `X-Event-Key` (Bitbucket), e.g. `jira:issue_updated`, `repo:push`. */
  event: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
  /** The receiver's status; absent when there was none (see `error`). */
  status?: number;
  /** `timeout`, or the connection error's code (e.g. `ECONNREFUSED`), when no status came back. */
  error?: string;
  /** The registration ids (Jira) or the hook uuid (Bitbucket) it was for. */
  registrations: Array<number | string>;
  /** The exact body posted. */
  body: string;
  /** Emulator clock when the attempt was made. */
  at: Date;
}

/** What an attempt came back with: a status, or the reason there was none. */
export interface AttemptOutcome {
  status?: number;
  error?: string;
}

/** How a provider retries: which outcomes it tries again, and the waits before each retry. */
export interface RetryPolicy {
  retryable(outcome: AttemptOutcome): boolean;
  /** One wait per retry, in real milliseconds; its length is the number of retries. */
  delaysMs: readonly number[];
}
