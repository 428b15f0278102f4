/** Which emulated endpoint a request hit; faults, latency and counts are keyed by it. */
export type EmulatorRoute =
  | 'authorize'
  | 'token'
  | 'me'
  | 'accessible-resources'
  | 'jira'
  | 'confluence'
  | 'bitbucket-authorize'
  | 'bitbucket-token'
  | 'bitbucket-user'
  | 'bitbucket-emails'
  | 'bitbucket-repositories'
  | 'bitbucket-hooks'
  | 'other';

/** One request the emulator answered (or hung up on), recorded once its status is known. */
export interface EmulatorCall {
  /** Emulator clock when the request arrived. */
  at: Date;
  /** HTTP method, upper case. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** The endpoint it matched. */
  route: EmulatorRoute;
  /** Status answered; 0 when the emulator hung up without answering. */
  status: number;
  /** `grant_type` of a token request. */
  grantType?: string;
  /** `client_id` from the body, the query or HTTP Basic; on Jira and Confluence calls, the app the token belongs to. */
  clientId?: string;
  /** True when a refresh succeeded with an already used refresh token (inside the leeway). */
  refreshTokenReused?: boolean;
  /**
   * True on every refresh that presents a refresh token already used successfully, whatever the answer:
   * accepted inside the leeway, or refused (and the grant revoked) after it. The "never used twice" invariant.
   */
  refreshTokenReplayed?: boolean;
  /** How the request body was encoded. */
  bodyEncoding?: 'json' | 'form';
  /** How a Bitbucket token request presented the client: HTTP Basic, body fields, or not at all (Bitbucket token calls only). */
  clientAuth?: 'basic' | 'body' | 'none';
  /** Jira and Confluence calls that reached a product endpoint: its cloudId. */
  cloudId?: string;
  /** Jira and Confluence calls: the endpoint matched, as `METHOD path-template`, e.g. `GET /rest/api/3/issue/{issueIdOrKey}`. */
  endpoint?: string;
  /** Jira and Confluence calls the product answered: points charged (1, plus 1 per object returned by a read). */
  points?: number;
  /** A 429 from the emulated rate limits: its `RateLimit-Reason`, e.g. `jira-burst-based`. */
  rateLimitReason?: string;
}

/** Records every request, in order of completion, for assertions. */
export class EmulatorCallLog {
  private readonly entries: EmulatorCall[] = [];

  /** Add a finished call. */
  record(call: EmulatorCall): void {
    this.entries.push(call);
  }

  /** A copy of every call so far. */
  list(): readonly EmulatorCall[] {
    return [...this.entries];
  }

  /** How many calls hit `route` and equal `filter` on each field it names. */
  count(route: EmulatorRoute, filter: Partial<EmulatorCall> = {}): number {
    return this.entries.filter((call) => call.route === route && matchesCall(call, filter)).length;
  }

  /** Forget every call. */
  reset(): void {
    this.entries.length = 0;
  }
}

/** True when `call` equals `filter` on every field `filter` sets (`at` compared by time; undefined means any). */
export function matchesCall(call: EmulatorCall, filter: Partial<EmulatorCall>): boolean {
  return Object.entries(filter).every(([key, expected]) => {
    if (expected === undefined) return true;
    const actual = call[key as keyof EmulatorCall];
    if (expected instanceof Date)
      return actual instanceof Date && actual.getTime() === expected.getTime();
    return actual === expected;
  });
}
