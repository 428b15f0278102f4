import { HttpStatus } from '@nestjs/common';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/** Link mode tried to attach a provider account that another app user already owns (409). */
export class AccountOwnedByAnotherUserError extends AtlassianError {
  constructor(readonly provider: string) {
    super(
      AtlassianErrorCode.AccountOwnedByAnotherUser,
      `This ${provider} account is already linked to another user. Sign in as that user and unlink it first.`,
      HttpStatus.CONFLICT,
    );
  }
}
