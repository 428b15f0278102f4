import type { EmulatorClientInput } from '../emulator.types.js';

/** The apps auth.atlassian.com accepts, by client id, in registration order. */
export class AtlassianClients {
  private readonly clients = new Map<string, EmulatorClientInput>();

  /** Add or replace a client. */
  register(input: EmulatorClientInput): void {
    if (!input.clientId || !input.clientSecret)
      throw new TypeError('registerClient: clientId and clientSecret are required');
    this.clients.set(input.clientId, { ...input, redirectUris: [...input.redirectUris] });
  }

  /** The client with `clientId`, if registered. */
  get(clientId: string | undefined): EmulatorClientInput | undefined {
    return clientId === undefined ? undefined : this.clients.get(clientId);
  }

  /** The first registered client, used when a helper is not told which. */
  first(): EmulatorClientInput | undefined {
    return this.clients.values().next().value;
  }
}
