import { BadGatewayException, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AtlassianTokenService } from '../src/index.js';
import type { DemoSettings } from './demo-config.js';

/** A Jira site of a linked account. */
export interface JiraSiteRef {
  /** The linked account whose grant reaches the site. */
  accountId: string;
  cloudId: string;
}

/** Jira's `GET /rest/api/3/myself`, the fields the demo shows. */
export interface JiraMyself {
  accountId: string;
  displayName: string;
  emailAddress?: string;
}

/** One project of Jira's `GET /rest/api/3/project/search`. */
export interface JiraProject {
  id: string;
  key: string;
  name: string;
}

/** Jira failed or refused; the message says which call and what came back, never a token. */
export class JiraRequestError extends BadGatewayException {}

const TIMEOUT_MS = 10_000;

/** The demo's few Jira calls, through api.atlassian.com's `/ex/jira/{cloudId}` gateway. */
@Injectable()
export class JiraService {
  private readonly apiBaseURL: string;

  constructor(
    private readonly tokens: AtlassianTokenService,
    config: ConfigService<DemoSettings, true>,
  ) {
    this.apiBaseURL = config.get('atlassian.apiBaseURL', { infer: true });
  }

  /** The Jira user the token acts as. */
  myself(site: JiraSiteRef): Promise<JiraMyself> {
    return this.get<JiraMyself>(site, '/rest/api/3/myself');
  }

  /** The first page (up to 50) of projects the user can see. */
  async projects(site: JiraSiteRef): Promise<JiraProject[]> {
    const page = await this.get<{ values: JiraProject[] }>(site, '/rest/api/3/project/search?maxResults=50');
    return page.values;
  }

  private async get<T>(site: JiraSiteRef, path: string): Promise<T> {
    // By account id: a user with two linked Atlassian accounts reaches each site with its own grant.
    const token = await this.tokens.getAccessToken({ accountId: site.accountId });
    const url = `${this.apiBaseURL}/ex/jira/${encodeURIComponent(site.cloudId)}${path}`;
    let response: Response;
    try {
      response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new JiraRequestError(`Jira could not be reached for GET ${path} (${(err as Error).message}).`, { cause: err });
    }
    if (!response.ok) {
      const hint = response.status === 401 ? ': the access token was refused (expired or revoked); connect Atlassian again' : '';
      throw new JiraRequestError(`Jira answered ${response.status} to GET ${path}${hint}.`);
    }
    return (await response.json()) as T;
  }
}
