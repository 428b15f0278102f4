import { execFile } from 'node:child_process';

/** The environment of a child: ours without what `npm test` and Vitest set for their own processes. */
export function childEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // npm_config_local_prefix and friends would point a child npm at this repository.
    if (!/^npm_/i.test(name) && name !== 'NODE_OPTIONS') env[name] = value;
  }
  return { ...env, ...extra };
}

/** What a finished command printed. */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command` to its end; rejects with everything it printed unless `allowFailure`. */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number; allowFailure?: boolean },
): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: childEnvironment(),
        timeout: options.timeoutMs,
        maxBuffer: 1024 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        if (error && !options.allowFailure)
          reject(
            new Error(
              `${command} ${args.join(' ')} failed in ${options.cwd} (${error.message}):\n${stdout}${stderr}`,
            ),
          );
        else resolve({ code, stdout, stderr });
      },
    );
  });
}
