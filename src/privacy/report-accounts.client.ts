import { Inject, Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { InjectAtlassianRepository } from '../accounts/atlassian-data-source.js';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { sendHttpExchange, type HttpAnswer } from '../providers/http-exchange.js';
import { parseRetryAfterMs } from '../providers/provider-http.js';
import { AtlassianTokenService } from '../tokens/atlassian-token.service.js';
import { parseCyclePeriodMs } from './cycle-period.js';
import {
  REPORT_ACCOUNTS_PATH,
  parseReportAnswer,
  reportBody,
  type PersonalDataStatus,
  type ReportedAccount,
} from './report-accounts.protocol.js';

/** How a report went. */
export type ReportAnswer =
  | {
      kind: 'answered';
      /** The accounts to act on; the others need nothing. */
      statuses: Map<string, PersonalDataStatus>;
      /** Atlassian's `Cycle-Period`, when it sent a valid one. */
      cyclePeriodMs: number | undefined;
    }
  | { kind: 'rate_limited'; retryAfterMs: number | undefined }
  | { kind: 'failed'; reason: string };

/**
 * Sends one report with the token of any live Atlassian grant (the API is the app's, the token only
 * proves it): the grant that worked last first, then the most recently refreshed ones; a 401 moves
 * on to the next grant, up to `maxGrantAttempts`. No user needs to be present.
 */
@Injectable()
export class ReportAccountsClient {
  /** The linked account whose token was accepted last. */
  private preferredAccountId: string | undefined;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    @InjectAtlassianRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>,
    private readonly tokens: AtlassianTokenService,
    private readonly clock: AtlassianClock,
  ) {}

  async report(accounts: ReportedAccount[]): Promise<ReportAnswer> {
    let lastReason = 'no active Atlassian account to report with: someone must sign in first';
    for (const accountId of await this.grantCandidates()) {
      let token: string;
      try {
        token = await this.tokens.getAccessToken({ accountId });
      } catch (err) {
        lastReason = `no token for a grant: ${(err as Error).message}`;
        continue;
      }
      let response: HttpAnswer;
      let text: string;
      try {
        response = await sendHttpExchange(
          this.options.atlassian.apiBaseURL + REPORT_ACCOUNTS_PATH,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
              accept: 'application/json',
            },
            body: reportBody(accounts),
            timeoutMs: this.options.httpTimeoutMs,
          },
        );
        // Read whatever the answer: an unread body would hold its connection.
        text = await response.text();
      } catch (err) {
        return { kind: 'failed', reason: `report not sent: ${(err as Error).message}` };
      }
      if (response.status === 401) {
        // This grant is gone or its token refused: any other grant's token does as well.
        lastReason = 'every grant tried was refused (401)';
        if (this.preferredAccountId === accountId) this.preferredAccountId = undefined;
        continue;
      }
      return this.read(response, text, accountId);
    }
    return { kind: 'failed', reason: lastReason };
  }

  private read(response: HttpAnswer, text: string, accountId: string): ReportAnswer {
    if (response.status === 429)
      return {
        kind: 'rate_limited',
        retryAfterMs: parseRetryAfterMs(
          response.headers.get('retry-after'),
          this.clock.now().getTime(),
        ),
      };
    if (response.status !== 200 && response.status !== 204)
      return { kind: 'failed', reason: `the report was answered ${response.status}` };
    this.preferredAccountId = accountId;
    const cyclePeriodMs = parseCyclePeriodMs(response.headers.get('cycle-period'));
    if (response.status === 204) return { kind: 'answered', statuses: new Map(), cyclePeriodMs };
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { kind: 'failed', reason: 'the report was answered 200 without a JSON body' };
    }
    return { kind: 'answered', statuses: parseReportAnswer(body), cyclePeriodMs };
  }

  /** Ids of active Atlassian accounts whose token may be used: the last one that worked first. */
  private async grantCandidates(): Promise<string[]> {
    const { maxGrantAttempts } = this.options.personalDataReporting;
    const recent = await this.accounts.find({
      select: { id: true },
      where: { provider: 'atlassian', status: 'active' },
      order: { lastRefreshedAt: 'DESC', id: 'ASC' },
      take: maxGrantAttempts,
    });
    const ids = recent.map((account) => account.id);
    const preferred = this.preferredAccountId;
    if (preferred === undefined) return ids;
    return [preferred, ...ids.filter((id) => id !== preferred)].slice(0, maxGrantAttempts);
  }
}
