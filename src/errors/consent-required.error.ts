import { HttpStatus } from '@nestjs/common';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/** 403 from the scope guard: names the missing scopes and the URL that asks the user for them. */
export class AtlassianConsentRequiredError extends AtlassianError {
  constructor(
    code: typeof AtlassianErrorCode.ScopesRequired | typeof AtlassianErrorCode.AccountRequired,
    message: string,
    readonly missingScopes: string[],
    /** Relative URL of the login route that asks for exactly what is missing, returning here. */
    readonly consentUrl: string,
  ) {
    super(code, message, HttpStatus.FORBIDDEN);
  }

  override getResponse(): object {
    return {
      ...(super.getResponse() as object),
      missingScopes: this.missingScopes,
      consentUrl: this.consentUrl,
    };
  }
}
