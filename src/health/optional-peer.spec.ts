import { describe, expect, it, vi } from 'vitest';

const terminus = vi.hoisted(() => ({ imports: 0 }));

// As in an app without @nestjs/terminus installed: any import of it fails.
vi.mock('@nestjs/terminus', () => {
  terminus.imports++;
  throw new Error("Cannot find package '@nestjs/terminus'");
});

describe('@nestjs/terminus is an optional peer', () => {
  it('the main and testing entry points load without it', async () => {
    const main = await import('../index.js');
    const testing = await import('../testing/index.js');
    expect(main.AtlassianModule).toBeTypeOf('function');
    expect(testing.AtlassianEmulator).toBeTypeOf('function');
    expect(terminus.imports).toBe(0);
  });

  it('the health entry point is the one that needs it', async () => {
    await expect(import('./index.js')).rejects.toThrow();
    expect(terminus.imports).toBe(1);
  });
});
