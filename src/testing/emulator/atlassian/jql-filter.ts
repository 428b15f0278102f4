/** What a JQL query selects: the projects it names, or why the emulator cannot run it. */
export type JqlSelection = { projects: string[] } | { status: 400; message: string };

const ORDER_BY = /\s+order\s+by\s+.*$|^\s*order\s+by\s+.*$/is;
const PROJECT_EQUALS = /^project\s*=\s*("?)([\w-]+)\1$/i;
const PROJECT_IN = /^project\s+in\s*\(([^)]*)\)$/i;

/**
 * The emulator's JQL: `project = KEY` or `project in (KEY, …)`, with an optional `ORDER BY` (ignored). A query
 * without a restriction is refused with Jira's own words; anything else with the emulator's.
 */
export function selectByJql(jql: string): JqlSelection {
  const restriction = jql.replace(ORDER_BY, '').trim();
  if (restriction === '') {
    return {
      status: 400,
      message:
        'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
    };
  }
  const equals = PROJECT_EQUALS.exec(restriction);
  if (equals) return { projects: [equals[2]!.toUpperCase()] };
  const list = PROJECT_IN.exec(restriction);
  const keys = list?.[1]!.split(',').map((key) => key.trim().replace(/^"(.*)"$/, '$1'));
  if (keys && keys.every((key) => /^[\w-]+$/.test(key)))
    return { projects: keys.map((key) => key.toUpperCase()) };
  return {
    status: 400,
    message: `The emulator's JQL knows only "project = KEY" and "project in (KEY, ...)", with an optional ORDER BY; got "${jql}"`,
  };
}
