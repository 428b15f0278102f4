import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AtlassianEmulator } from '../../src/testing/index.js';

/**
 * Resolves with `performance.now()` once the emulator (a server in this process) has finished its
 * answer to the next request to `path`: a test can then tell whether an answer held by an injected
 * delay went out before or after something it did. Node's `http.server.response.finish` channel sees
 * each answer.
 */
export function emulatorAnswerSent(
  emulator: AtlassianEmulator,
  path = '/oauth/token',
  timeoutMs = 30_000,
): Promise<number> {
  const port = Number(new URL(emulator.url).port);
  return new Promise((resolve, reject) => {
    const onFinish = (message: unknown) => {
      const { request, server } = message as {
        request: IncomingMessage;
        response: ServerResponse;
        server: Server;
      };
      if ((server.address() as AddressInfo | null)?.port !== port || request.url !== path) return;
      const sentAt = performance.now();
      diagnosticsChannel.unsubscribe('http.server.response.finish', onFinish);
      clearTimeout(timer);
      resolve(sentAt);
    };
    const timer = setTimeout(() => {
      diagnosticsChannel.unsubscribe('http.server.response.finish', onFinish);
      reject(new Error(`the emulator did not answer a request to ${path} within ${timeoutMs} ms`));
    }, timeoutMs);
    diagnosticsChannel.subscribe('http.server.response.finish', onFinish);
  });
}
