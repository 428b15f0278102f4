import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { normalizeOptions } from './normalize-options.js';

/**
 * Each option's default has one home: `@defaultValue` in the options interface. The README's options
 * table is generated from it (this spec prints the table to paste when they differ), and the defaults
 * `normalizeOptions` applies are checked against it.
 */

const INTERFACE = readFileSync(
  new URL('./atlassian-module-options.interface.ts', import.meta.url),
  'utf8',
);
const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** Where each interface's properties sit in the options object. */
const PREFIXES: Record<string, string[]> = {
  AtlassianModuleOptions: [''],
  OAuthClientOptions: ['atlassian.', 'bitbucket.'],
  AtlassianProviderOptions: ['atlassian.'],
  StateCookieOptions: ['stateCookie.'],
  TokenOptions: ['tokens.'],
  RefreshSchedulerOptions: ['refreshScheduler.'],
  ApiClientOptions: ['api.'],
  HealthOptions: ['health.'],
  ServiceAccountCredentials: ['serviceAccounts.<name>.'],
  WebhookOptions: ['webhooks.'],
};

interface DocumentedOption {
  paths: string[];
  text: string;
  defaultValue: string | undefined;
}

/** Every documented property of the option interfaces, in source order. */
function documentedOptions(): DocumentedOption[] {
  const options: DocumentedOption[] = [];
  for (const [, name, body] of INTERFACE.matchAll(
    /export interface (\w+)(?: extends \w+)? \{\n([\s\S]*?)\n\}/g,
  )) {
    const prefixes = PREFIXES[name];
    if (!prefixes) continue;
    for (const [, doc, property] of body.matchAll(/\/\*\*([\s\S]*?)\*\/\n\s+(\w+)\??:/g)) {
      const lines = doc
        .split('\n')
        .map((line) => line.replace(/^\s*\*?\s?/, '').trim())
        .filter(Boolean);
      const tag = lines.find((line) => line.startsWith('@defaultValue '));
      const text = lines.filter((line) => line !== tag).join(' ');
      options.push({
        paths: prefixes.map((prefix) => prefix + property),
        text,
        defaultValue: tag?.slice('@defaultValue '.length),
      });
    }
  }
  return options;
}

/** The README table, as generated from the interface. */
function optionsTable(): string {
  const rows = documentedOptions().map(({ paths, text, defaultValue }) => {
    const required = /Required\b/.test(text);
    const shown = defaultValue ?? (required ? 'required' : '—');
    return `| ${paths.map((path) => `\`${path}\``).join(' / ')} | ${shown} | ${text.replace(/\|/g, '\\|')} |`;
  });
  return ['| option | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

describe('option defaults', () => {
  it('the README options table is the one the interface generates', () => {
    const start = README.indexOf('<!-- options:start -->');
    const end = README.indexOf('<!-- options:end -->');
    expect(
      start,
      'README.md lacks the <!-- options:start --> / <!-- options:end --> markers',
    ).toBeGreaterThan(-1);
    const inReadme = README.slice(start + '<!-- options:start -->'.length, end).trim();
    expect(inReadme, `paste this between the markers in README.md:\n${optionsTable()}`).toBe(
      optionsTable(),
    );
  });

  it('every optional setting documents its default', () => {
    const undocumented = documentedOptions().filter(
      // Nested settings only: a top-level section (`tokens`, `api`, …) has its defaults on its fields.
      (option) =>
        option.defaultValue === undefined &&
        !/Required\b/.test(option.text) &&
        option.paths[0].includes('.'),
    );
    expect(undocumented.map((option) => option.paths[0])).toEqual([]);
  });

  it('normalizeOptions applies exactly the documented literal defaults', () => {
    const normalized = normalizeOptions({
      atlassian: {
        clientId: 'id',
        clientSecret: 'secret',
        callbackURL: 'https://app.example.com/auth/atlassian/callback',
      },
      encryptionKeys: [Buffer.alloc(32, 1).toString('base64')],
    }) as unknown as Record<string, unknown>;
    const checked: string[] = [];
    for (const { paths, defaultValue } of documentedOptions()) {
      // Only plain literals (`600`, `true`, `'0 * * * * *'`, `nestjs_atlassian_oauth`); derived ones are explained in words.
      const literal = defaultValue?.match(/^`([^`]*)`(?: \([^)]*\))?$/)?.[1];
      if (literal === undefined || /[×+${}]/.test(literal)) continue;
      const expected = /^-?\d+$/.test(literal)
        ? Number(literal)
        : literal === 'true' || literal === 'false'
          ? literal === 'true'
          : literal.replace(/^'(.*)'$/, '$1');
      for (const path of paths) {
        const actual = path
          .split('.')
          .reduce<unknown>(
            (value, key) => (value as Record<string, unknown> | null)?.[key],
            normalized,
          );
        if (actual === undefined && path.startsWith('bitbucket.')) continue; // Bitbucket is off in this configuration.
        expect({ path, value: actual }).toEqual({ path, value: expected });
        checked.push(path);
      }
    }
    expect(checked.length).toBeGreaterThan(20);
  });
});
