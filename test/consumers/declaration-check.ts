import { builtinModules } from 'node:module';
import { runCommand } from './command.js';
import { typescriptCompiler, type ConsumerProject } from './consumer-project.js';

/** How the app's TypeScript read this package's declarations. */
export interface DeclarationCheck {
  /** tsc's errors (`file(line,col): error TS…`), empty when it compiled. */
  errors: string[];
  /**
   * Modules this package's declarations import that resolved to no declaration file: their types
   * fall back to `any` without an error, so only the resolution trace shows them.
   */
  untypedImports: string[];
}

const PACKAGE_FILE = /\/node_modules\/nestjs-atlassian\//;
const RESOLVING = /^======== Resolving module '([^']+)' from '([^']+)'\. ========$/;
const RESOLVED =
  /^======== Module name '([^']+)' was (?:successfully resolved to '([^']+)'.*|not resolved)\. ========$/;
const DECLARATION = /\.[cm]?ts$/;

/** Compiles `src/types-check.ts` (tsconfig.types.json: skipLibCheck off) and traces every module resolution. */
export async function checkDeclarations(project: ConsumerProject): Promise<DeclarationCheck> {
  const { stdout } = await runCommand(
    process.execPath,
    [typescriptCompiler(project.dir), '-p', 'tsconfig.types.json', '--traceResolution'],
    { cwd: project.dir, timeoutMs: 5 * 60_000, allowFailure: true },
  );
  const errors: string[] = [];
  const untypedImports = new Set<string>();
  let importer: string | undefined;
  for (const line of stdout.split('\n')) {
    if (/: error TS\d+:/.test(line)) errors.push(line);
    const resolving = RESOLVING.exec(line);
    if (resolving) importer = resolving[2];
    const resolved = RESOLVED.exec(line);
    if (!resolved || !importer) continue;
    const [, specifier, target] = resolved;
    const builtin = specifier.startsWith('node:') || builtinModules.includes(specifier);
    if (PACKAGE_FILE.test(importer) && !builtin && !(target && DECLARATION.test(target)))
      untypedImports.add(`${specifier} (${target ?? 'not resolved'})`);
    importer = undefined;
  }
  return { errors, untypedImports: [...untypedImports].sort() };
}
