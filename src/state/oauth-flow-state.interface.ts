/** What a sign-in attempt remembers between the login route and the callback. */
export interface OAuthFlowState {
  /** `sign-in`: find or create the app user; `link`: attach the account to `linkUserId`. */
  mode: 'sign-in' | 'link';
  /** The app user who started a link; the callback must come from the same user. */
  linkUserId?: string;
  /** Relative path to send the user back to after the callback, when the login route was given one. */
  returnTo?: string;
}
