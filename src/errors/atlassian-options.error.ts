import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/** Thrown at boot when the module options are invalid; the message names the option and the fix. */
export class AtlassianOptionsError extends AtlassianError {
  constructor(
    /** Dotted path of the offending option, e.g. `atlassian.clientId`. */
    readonly option: string,
    problem: string,
  ) {
    super(AtlassianErrorCode.InvalidOptions, `AtlassianModule option "${option}" ${problem}`);
  }
}
