// The challenge of a registry's 401 answer (RFC 7235 `WWW-Authenticate`), which says how to
// authenticate: `Basic realm="…"` or `Bearer realm="…",service="…",scope="…"` (a token server).

export interface AuthChallenge {
  /** Lowercase: `basic`, `bearer`. */
  scheme: string;
  /** Parameter names lowercase, values unquoted. */
  params: Record<string, string>;
}

/** The first challenge of the header; undefined when there is none. */
export function parseAuthChallenge(header: string | undefined): AuthChallenge | undefined {
  const match = header?.match(/^\s*([A-Za-z][\w-]*)\s*(.*)$/s);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  // name=token or name="quoted \"string\"", comma separated.
  const param = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)\s*/gy;
  const rest = match[2] ?? '';
  for (let m = param.exec(rest); m; m = param.exec(rest)) {
    params[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? '');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}
