// The `/bin/sh -c` script a task runs under (spec §3.4): the command line (command + args, each single-
// quoted) runs in the background; the shim forwards a TERM to it, waits for it, writes its exit status to
// the `exit` file and exits with it. The exit file is what tells a finished task from a crashed one, and it
// is written from wherever the shim runs (in sidecar mode, inside the main container's mount namespace:
// the data directory must be a volume mounted at the same path in both containers).
// `workingDir`: the host mode starts the shim there; in sidecar mode entering the mount namespace resets
// the directory to the container's root (upstream's workingDir is lost there), so the shim changes to it.

/** `'…'` with each `'` as `'\''`: one shell word whatever the text. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

export function commandLine(command: readonly string[], args: readonly string[] = []): string {
  return [...command, ...args].map(shellQuote).join(' ');
}

export function shimScript(opts: { commandLine: string; exitPath: string; workingDir?: string }): string {
  return [
    ...(opts.workingDir ? [`cd ${shellQuote(opts.workingDir)} || { printf '%d' 1 > ${shellQuote(opts.exitPath)}; exit 1; }`] : []),
    'forward_term() {',
    '  if [ -n "$CHILD_PID" ]; then kill -TERM "$CHILD_PID" 2>/dev/null; fi',
    '}',
    'trap forward_term TERM',
    `${opts.commandLine} &`,
    'CHILD_PID=$!',
    'wait "$CHILD_PID"',
    'EXIT_CODE=$?',
    `printf '%d' "$EXIT_CODE" > ${shellQuote(opts.exitPath)}`,
    'exit "$EXIT_CODE"',
    '',
  ].join('\n');
}
