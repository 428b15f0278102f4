/** An answer of the emulated api.atlassian.com: status and JSON body (undefined when empty). */
export interface EmulatorApiAnswer {
  status: number;
  // Bodies are asserted field by field; a loose type keeps the assertions readable.
  body: any;
}

/** Call `url` with a bearer token and, when given, a JSON body; for the emulator's own specs. */
export async function callWithBearer(
  url: string,
  token: string,
  method = 'GET',
  body?: unknown,
): Promise<EmulatorApiAnswer> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
