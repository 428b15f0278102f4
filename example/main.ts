import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { readDemoConfig } from './demo-config.js';
import { startDemo } from './start-demo.js';

const logger = new Logger('Demo');
try {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const config = readDemoConfig(process.env);
  for (const warning of config.warnings) logger.warn(warning);
  const demo = await startDemo(config);
  const atlassian = demo.emulator
    ? `built-in emulator at ${demo.emulator.url}`
    : demo.settings.atlassian.authBaseURL;
  const { bitbucket } = demo.settings;
  const bitbucketLabel = !bitbucket
    ? 'off'
    : bitbucket.emulator
      ? 'built-in emulator'
      : bitbucket.authBaseURL;
  process.stdout.write(
    `nestjs-atlassian demo: open ${demo.url} (Atlassian: ${atlassian}; Bitbucket: ${bitbucketLabel})\n`,
  );
} catch (err) {
  // The first line is the cause; Nest has already logged any longer report of its own.
  logger.error(`The demo could not start: ${(err as Error).message.split('\n')[0]}`);
  process.exitCode = 1;
}
