import type { EmulatorUser, EmulatorUserInput } from '../emulator.types.js';

/** Turns a user's input into the stored user, each provider's part (sites, Bitbucket identity) filled in. */
export type EmulatorUserFactory = (input: EmulatorUserInput) => EmulatorUser;

/**
 * The people who can consent, shared by both authorization servers, and which of them is signed in. It stores
 * users but does not build them: the assembly passes a factory, so no provider's details live here.
 */
export class EmulatorDirectory {
  private readonly users = new Map<string, EmulatorUser>();
  private signedInAccountId: string | undefined;

  constructor(private readonly createUser: EmulatorUserFactory) {}

  /** Add or replace a user; the first user added becomes the signed-in one. */
  addUser(input: EmulatorUserInput): EmulatorUser {
    if (!input.accountId) throw new TypeError('addUser: accountId is required');
    const user = this.createUser(input);
    this.users.set(user.accountId, user);
    this.signedInAccountId ??= user.accountId;
    return user;
  }

  /** The user with `accountId`, if any. */
  user(accountId: string | undefined): EmulatorUser | undefined {
    return accountId === undefined ? undefined : this.users.get(accountId);
  }

  /** Every user, in insertion order. */
  allUsers(): EmulatorUser[] {
    return [...this.users.values()];
  }

  /** The user the consent page acts for by default. */
  signedInUser(): EmulatorUser | undefined {
    return this.user(this.signedInAccountId);
  }

  /** Make `accountId` the user the consent page acts for. */
  signInAs(accountId: string): void {
    this.requireUser(accountId);
    this.signedInAccountId = accountId;
  }

  /** The user with `accountId`, or a clear error naming it. */
  requireUser(accountId: string): EmulatorUser {
    const user = this.users.get(accountId);
    if (!user) throw new Error(`Unknown emulator user "${accountId}": add it with addUser() first`);
    return user;
  }
}
