import { AtlassianReauthRequiredError } from '../errors/token-errors.js';
import { instruments, secondsSince } from './instruments.js';
import { inSpan } from './span.js';
import { Attr, SpanName } from './telemetry-names.js';

/** How a refresh ended: a result kind of the refresher, or its failure. */
type RefreshOutcomeName = 'refreshed' | 'superseded' | 'reauth_required' | 'failed';

/**
 * One refresh of one account in the span `atlassian.token.refresh` (its token request a child), its
 * duration and outcome on `atlassian.token.refresh.duration`.
 */
export function traceRefresh<T extends { kind: 'refreshed' | 'superseded' }>(
  account: { id: string; provider: string },
  refresh: () => Promise<T>,
): Promise<T> {
  const startedAt = performance.now();
  return inSpan(
    SpanName.Refresh,
    'internal',
    { [Attr.Provider]: account.provider, [Attr.AccountId]: account.id },
    async (span) => {
      let outcome: RefreshOutcomeName = 'failed';
      try {
        const result = await refresh();
        outcome = result.kind;
        return result;
      } catch (err) {
        if (err instanceof AtlassianReauthRequiredError) outcome = 'reauth_required';
        throw err;
      } finally {
        span.setAttributes({ [Attr.RefreshOutcome]: outcome });
        instruments()?.refreshDuration.record(secondsSince(startedAt), {
          [Attr.Provider]: account.provider,
          [Attr.RefreshOutcome]: outcome,
        });
      }
    },
  );
}
