// A tiny renderer for the Go text/template subset used by the upstream e2e fixtures:
//   {{.Name}}                          value of a field of the data
//   {{if .X}} ... {{else}} ... {{end}} Go truthiness (empty string, 0, false, missing, empty map are false)
//   {{range $key, $val := .Map}} ... {{end}}  over a map, keys in sorted order like Go
//   {{- ...}} / {{... -}}              trim whitespace before / after the action
// Anything else throws, so a new construct upstream fails loudly instead of rendering wrong YAML.

export type TemplateValue = string | number | boolean | Readonly<Record<string, string | number>>;
export type TemplateData = Readonly<Record<string, TemplateValue | undefined>>;

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'print'; expr: string }
  | { kind: 'if'; expr: string; then: Node[]; otherwise: Node[] }
  | { kind: 'range'; keyVar: string; valueVar: string; expr: string; body: Node[] };

type Token = { kind: 'text'; text: string } | { kind: 'action'; body: string };

const ACTION = /\{\{(-\s)?\s*([\s\S]*?)\s*(\s-)?\}\}/g;
const RANGE = /^range\s+(\$\w+)\s*,\s*(\$\w+)\s*:=\s*(\S+)$/;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  let trimNext = false;
  for (const match of source.matchAll(ACTION)) {
    let text = source.slice(last, match.index);
    if (trimNext) text = text.trimStart();
    if (match[1]) text = text.trimEnd();
    tokens.push({ kind: 'text', text }, { kind: 'action', body: match[2] ?? '' });
    trimNext = Boolean(match[3]);
    last = match.index + match[0].length;
  }
  const tail = source.slice(last);
  tokens.push({ kind: 'text', text: trimNext ? tail.trimStart() : tail });
  return tokens;
}

/** Parses tokens from `pos` until `{{else}}`, `{{end}}` or the end; returns the nodes and the stop keyword. */
function parse(tokens: Token[], pos: { i: number }): { nodes: Node[]; stop: 'else' | 'end' | 'eof' } {
  const nodes: Node[] = [];
  while (pos.i < tokens.length) {
    const token = tokens[pos.i++]!;
    if (token.kind === 'text') {
      nodes.push(token);
      continue;
    }
    const body = token.body;
    if (body === 'else' || body === 'end') return { nodes, stop: body };
    if (body.startsWith('if ')) {
      const then = parse(tokens, pos);
      const otherwise = then.stop === 'else' ? parse(tokens, pos) : { nodes: [], stop: then.stop };
      if (otherwise.stop !== 'end') throw new Error(`unterminated {{${body}}}`);
      nodes.push({ kind: 'if', expr: body.slice(3).trim(), then: then.nodes, otherwise: otherwise.nodes });
    } else if (body.startsWith('range ')) {
      const [, keyVar, valueVar, expr] = RANGE.exec(body) ?? [];
      if (!keyVar || !valueVar || !expr) throw new Error(`unsupported {{${body}}}: only "range $k, $v := .Map"`);
      const inner = parse(tokens, pos);
      if (inner.stop !== 'end') throw new Error(`unterminated {{${body}}}`);
      nodes.push({ kind: 'range', keyVar, valueVar, expr, body: inner.nodes });
    } else {
      nodes.push({ kind: 'print', expr: body });
    }
  }
  return { nodes, stop: 'eof' };
}

type Scope = { data: TemplateData; vars: Readonly<Record<string, TemplateValue>> };

function lookup(expr: string, scope: Scope): TemplateValue | undefined {
  if (expr.startsWith('$')) return scope.vars[expr];
  if (/^\.\w+$/.test(expr)) return scope.data[expr.slice(1)];
  throw new Error(`unsupported template expression "${expr}"`);
}

function truthy(value: TemplateValue | undefined): boolean {
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function evaluate(nodes: readonly Node[], scope: Scope): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return node.text;
        case 'print': {
          const value = lookup(node.expr, scope);
          if (value === undefined || typeof value === 'object') {
            throw new Error(`template value ${node.expr} is ${value === undefined ? 'missing' : 'not a scalar'}`);
          }
          return String(value);
        }
        case 'if':
          return evaluate(truthy(lookup(node.expr, scope)) ? node.then : node.otherwise, scope);
        case 'range': {
          const map = lookup(node.expr, scope);
          if (map === undefined) return '';
          if (typeof map !== 'object') throw new Error(`cannot range over ${node.expr}`);
          return Object.keys(map)
            .sort()
            .map((key) => {
              const vars = { ...scope.vars, [node.keyVar]: key, [node.valueVar]: map[key]! };
              return evaluate(node.body, { ...scope, vars });
            })
            .join('');
        }
      }
    })
    .join('');
}

export function renderGoTemplate(source: string, data: TemplateData): string {
  const pos = { i: 0 };
  const { nodes, stop } = parse(tokenize(source), pos);
  if (stop !== 'eof') throw new Error(`unexpected {{${stop}}}`);
  return evaluate(nodes, { data, vars: {} });
}
