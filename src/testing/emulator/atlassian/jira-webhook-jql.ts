/**
 * The JQL a dynamic webhook may filter on: the fields `issueKey`, `project`, `issuetype`, `status`, `assignee`,
 * `reporter`, `issue.property[key]` and `cf[id]`, the operators `=`, `!=`, `IN` and `NOT IN`, joined by `AND`
 * / `OR` with parentheses. Jira validates a registration's filter against this subset and refuses the rest
 * per item (e.g. `Operator is not is unsupported`); the emulator does the same, then matches issues with it.
 */
export type WebhookJql =
  | { kind: 'and'; left: WebhookJql; right: WebhookJql }
  | { kind: 'or'; left: WebhookJql; right: WebhookJql }
  | { kind: 'clause'; field: JqlField; negated: boolean; values: string[] };

/** A field a filter names, with the key or path it reads for properties and custom fields. */
export type JqlField =
  | { name: 'issueKey' | 'project' | 'issuetype' | 'status' | 'assignee' | 'reporter' }
  | { name: 'cf'; id: string }
  | { name: 'property'; key: string; path: string[] };

/** What a filter is matched against: an issue as the webhook sees it. */
export interface JqlIssueFacts {
  id: string;
  key: string;
  project: { id?: string; key: string; name?: string };
  issuetype: string;
  status: string;
  assignee: string | null;
  reporter: string | null;
  customFields: Record<string, string>;
  properties: Record<string, unknown>;
}

const FIELD_ALIASES: Record<string, JqlField['name']> = {
  issuekey: 'issueKey',
  key: 'issueKey',
  id: 'issueKey',
  project: 'project',
  issuetype: 'issuetype',
  type: 'issuetype',
  status: 'status',
  assignee: 'assignee',
  reporter: 'reporter',
};
const OPERATOR = /^(!=|=|!~|~|>=|<=|>|<)/;
const WORD = /^[^\s()=,!~<>"']+/;

/** Parse `jql`, or say (in Jira's manner) why a webhook may not filter on it. */
export function parseWebhookJql(jql: string): WebhookJql | { error: string } {
  try {
    const parser = new Parser(tokenize(jql));
    const tree = parser.or();
    parser.end();
    return tree;
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Whether `issue` passes the filter; a clause on an empty field matches neither `=` nor `!=`, as in JQL. */
export function matchesWebhookJql(tree: WebhookJql, issue: JqlIssueFacts): boolean {
  if (tree.kind === 'and')
    return matchesWebhookJql(tree.left, issue) && matchesWebhookJql(tree.right, issue);
  if (tree.kind === 'or')
    return matchesWebhookJql(tree.left, issue) || matchesWebhookJql(tree.right, issue);
  const candidates = fieldValues(tree.field, issue);
  if (candidates.length === 0) return false;
  const found = tree.values.some((value) => candidates.includes(value.toLowerCase()));
  return tree.negated ? !found : found;
}

/** The issue's value of `field`, in every form a filter may name it by (key, id, name), lower case. */
function fieldValues(field: JqlField, issue: JqlIssueFacts): string[] {
  const forms = (...values: Array<string | null | undefined>): string[] =>
    values
      .filter((value): value is string => typeof value === 'string')
      .map((v) => v.toLowerCase());
  switch (field.name) {
    case 'issueKey':
      return forms(issue.key, issue.id);
    case 'project':
      return forms(issue.project.key, issue.project.id, issue.project.name);
    case 'issuetype':
      return forms(issue.issuetype);
    case 'status':
      return forms(issue.status);
    case 'assignee':
      return forms(issue.assignee);
    case 'reporter':
      return forms(issue.reporter);
    case 'cf':
      return forms(issue.customFields[`customfield_${field.id}`]);
    case 'property': {
      let value: unknown = issue.properties[field.key];
      for (const step of field.path)
        value =
          typeof value === 'object' && value !== null
            ? (value as Record<string, unknown>)[step]
            : undefined;
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
        ? forms(String(value))
        : [];
    }
  }
}

type Token = { kind: 'word' | 'string' | 'operator' | 'punct'; text: string };

function tokenize(jql: string): Token[] {
  const tokens: Token[] = [];
  let rest = jql.trim();
  while (rest.length > 0) {
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const end = rest.indexOf(quote, 1);
      if (end < 0) throw new Error(`The quoted string starting at ${rest} is not closed`);
      tokens.push({ kind: 'string', text: rest.slice(1, end) });
      rest = rest.slice(end + 1);
    } else if ('(),'.includes(quote!)) {
      tokens.push({ kind: 'punct', text: quote! });
      rest = rest.slice(1);
    } else {
      const operator = OPERATOR.exec(rest)?.[0];
      const word = operator ?? WORD.exec(rest)?.[0];
      if (!word) throw new Error(`Unexpected character '${quote}' in the JQL`);
      tokens.push({ kind: operator ? 'operator' : 'word', text: word });
      rest = rest.slice(word.length);
    }
    rest = rest.trimStart();
  }
  return tokens;
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {
    if (tokens.length === 0) throw new Error('The JQL filter must not be empty');
  }

  or(): WebhookJql {
    let tree = this.and();
    while (this.takeKeyword('or')) tree = { kind: 'or', left: tree, right: this.and() };
    return tree;
  }

  end(): void {
    const token = this.peek();
    if (!token) return;
    if (token.kind === 'word' && token.text.toLowerCase() === 'order')
      throw new Error('ORDER BY is unsupported in webhook JQL filters');
    throw new Error(`Unexpected '${token.text}' in the JQL`);
  }

  private and(): WebhookJql {
    let tree = this.unary();
    while (this.takeKeyword('and')) tree = { kind: 'and', left: tree, right: this.unary() };
    return tree;
  }

  private unary(): WebhookJql {
    if (this.takePunct('(')) {
      const tree = this.or();
      if (!this.takePunct(')')) throw new Error("A '(' in the JQL is not closed");
      return tree;
    }
    const token = this.peek();
    if (token?.kind === 'word' && token.text.toLowerCase() === 'not')
      throw new Error('Operator NOT is unsupported in webhook JQL filters');
    return this.clause();
  }

  private clause(): WebhookJql {
    const token = this.next();
    if (!token || (token.kind !== 'word' && token.kind !== 'string'))
      throw new Error(`Expected a field name, got '${token?.text ?? 'the end'}'`);
    const field = parseField(token.text);
    const { negated, list } = this.operator();
    const values = list ? this.valueList() : [this.value()];
    return { kind: 'clause', field, negated, values };
  }

  private operator(): { negated: boolean; list: boolean } {
    const token = this.next();
    if (token?.kind === 'operator') {
      if (token.text === '=' || token.text === '!=')
        return { negated: token.text === '!=', list: false };
      throw new Error(`Operator ${token.text} is unsupported`);
    }
    const word = token?.kind === 'word' ? token.text.toLowerCase() : undefined;
    if (word === 'in') return { negated: false, list: true };
    if (word === 'not' && this.takeKeyword('in')) return { negated: true, list: true };
    if (word === 'is' || word === 'was' || word === 'changed' || word === 'not') {
      const not = word === 'is' && this.takeKeyword('not') ? ' not' : '';
      throw new Error(`Operator ${word}${not} is unsupported`);
    }
    throw new Error(`Expected an operator (=, !=, IN, NOT IN), got '${token?.text ?? 'the end'}'`);
  }

  private valueList(): string[] {
    if (!this.takePunct('(')) throw new Error('IN and NOT IN take a list in parentheses');
    const values = [this.value()];
    while (this.takePunct(',')) values.push(this.value());
    if (!this.takePunct(')')) throw new Error("A value list in the JQL is not closed with ')'");
    return values;
  }

  private value(): string {
    const token = this.next();
    if (!token || (token.kind !== 'word' && token.kind !== 'string'))
      throw new Error(`Expected a value, got '${token?.text ?? 'the end'}'`);
    if (token.kind === 'word' && /\(/.test(this.peek()?.text ?? ''))
      throw new Error(`Function ${token.text}() is unsupported in webhook JQL filters`);
    return token.text;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private next(): Token | undefined {
    return this.tokens[this.position++];
  }

  private takeKeyword(keyword: string): boolean {
    const token = this.peek();
    if (token?.kind !== 'word' || token.text.toLowerCase() !== keyword) return false;
    this.position++;
    return true;
  }

  private takePunct(text: string): boolean {
    if (this.peek()?.kind !== 'punct' || this.peek()?.text !== text) return false;
    this.position++;
    return true;
  }
}

function parseField(text: string): JqlField {
  const alias = FIELD_ALIASES[text.toLowerCase()];
  if (alias) return { name: alias } as JqlField;
  const custom = /^cf\[(\d+)\]$/i.exec(text) ?? /^customfield_(\d+)$/i.exec(text);
  if (custom) return { name: 'cf', id: custom[1]! };
  const property = /^issue\.property\[([^\]]+)\]((?:\.[\w-]+)*)$/i.exec(text);
  if (property)
    return { name: 'property', key: property[1]!, path: property[2]!.split('.').filter(Boolean) };
  throw new Error(
    `Field ${text} is unsupported: webhook JQL filters may use issueKey, project, issuetype, status, assignee, reporter, issue.property[key] and cf[id]`,
  );
}
