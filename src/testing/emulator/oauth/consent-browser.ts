import type { EmulatorApproveOptions } from '../emulator.types.js';

/**
 * Do what a browser does on the consent page: open the authorize URL, read the form, press a button.
 * Returns the Location the emulator redirects to (the app's callback with code or error).
 */
export async function submitConsent(
  authorizeUrl: string,
  options: EmulatorApproveOptions = {},
): Promise<string> {
  const page = await fetch(authorizeUrl, { redirect: 'manual' });
  if (page.status === 302) {
    // autoApprove answered without a page: there was no button to press.
    await page.body?.cancel();
    if (options.deny || options.accountId !== undefined) {
      throw new Error(
        'approve: the emulator runs with autoApprove, so it cannot deny or consent as another account',
      );
    }
    return requireLocation(page);
  }
  const markup = await page.text();
  if (page.status !== 200)
    throw new Error(`approve: GET ${authorizeUrl} answered ${page.status}: ${visibleText(markup)}`);
  const action = /<form method="post" action="([^"]+)"/.exec(markup)?.[1];
  const requestId = /name="request_id" value="([^"]+)"/.exec(markup)?.[1];
  if (!action || !requestId)
    throw new Error('approve: the authorize URL did not lead to an emulator consent page');
  const form = new URLSearchParams({
    request_id: decodeEntities(requestId),
    decision: options.deny ? 'deny' : 'approve',
  });
  if (options.accountId !== undefined) form.set('account_id', options.accountId);
  const decided = await fetch(new URL(decodeEntities(action), authorizeUrl), {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  if (decided.status !== 302) {
    throw new Error(
      `approve: the consent decision answered ${decided.status}: ${visibleText(await decided.text())}`,
    );
  }
  await decided.body?.cancel();
  return requireLocation(decided);
}

function requireLocation(response: Response): string {
  const location = response.headers.get('location');
  if (!location) throw new Error(`approve: a ${response.status} answer without a Location header`);
  return location;
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code)));
}

/** The page's message without markup, so a failed approve() says why. */
function visibleText(markup: string): string {
  const body = /<p id="error">([\s\S]*?)<\/p>/.exec(markup)?.[1] ?? markup;
  return decodeEntities(body.replace(/<[^>]+>/g, ''))
    .trim()
    .slice(0, 300);
}
