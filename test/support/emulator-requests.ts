import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AtlassianEmulator } from '../../src/testing/index.js';

/**
 * Resolves once the emulator (a server in this process) has read a whole request to `path`, and so has
 * applied any injected fault to it: a test can then kill the caller knowing the request arrived. Node's
 * `http.server.request.start` channel sees each request.
 */
export function emulatorRequestReceived(
  emulator: AtlassianEmulator,
  path = '/oauth/token',
  timeoutMs = 10_000,
): Promise<void> {
  const port = Number(new URL(emulator.url).port);
  return new Promise((resolve, reject) => {
    const onRequest = (message: unknown) => {
      const { request, server } = message as { request: IncomingMessage; server: Server };
      if ((server.address() as AddressInfo | null)?.port !== port || request.url !== path) return;
      diagnosticsChannel.unsubscribe('http.server.request.start', onRequest);
      // setImmediate: the emulator's own 'end' handler, and the fault it takes, run first.
      request.once('end', () =>
        setImmediate(() => {
          clearTimeout(timer);
          resolve();
        }),
      );
    };
    const timer = setTimeout(() => {
      diagnosticsChannel.unsubscribe('http.server.request.start', onRequest);
      reject(
        new Error(`the emulator did not receive a whole request to ${path} within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    diagnosticsChannel.subscribe('http.server.request.start', onRequest);
  });
}
