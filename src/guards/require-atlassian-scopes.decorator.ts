import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { REQUIRED_ATLASSIAN_SCOPES } from '../atlassian.constants.js';
import { AtlassianScopesGuard } from './atlassian-scopes.guard.js';
import { declaredAtlassianScopes } from './declared-scopes.js';

/**
 * The route needs a linked Atlassian account with these scopes; otherwise 403 with a stable code and
 * the URL that starts the (incremental) consent. Put it after the app's own authentication guard.
 */
export const RequireAtlassianScopes = (...scopes: string[]) => {
  for (const scope of scopes) declaredAtlassianScopes.add(scope);
  return applyDecorators(
    SetMetadata(REQUIRED_ATLASSIAN_SCOPES, scopes),
    UseGuards(AtlassianScopesGuard),
  );
};
