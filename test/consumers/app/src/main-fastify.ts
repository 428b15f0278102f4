import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { settings } from './settings.js';

async function bootstrap(): Promise<void> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    // As the README sets it up: /auth/atlassian/callback/ reaches the callback, as on Express.
    new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } }),
    { logger: ['error', 'warn'] },
  );
  app.enableShutdownHooks();
  await app.listen(settings.port, '127.0.0.1');
}

void bootstrap();
