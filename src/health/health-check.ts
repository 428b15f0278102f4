/** One part of the module's health: `down` carries a reason a person can act on. */
export type PartHealth = { status: 'up' | 'down'; reason?: string } & Record<string, unknown>;
