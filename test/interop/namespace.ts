/**
 * A client that reads a machine-wide file we must not change — the system CA folder
 * (/etc/ssl/certs, uacme's libcurl), the resolver's /etc/hosts (acme-tiny's self-check) — runs
 * in a private mount namespace where the run's own copy is bind-mounted over it. As root a
 * mount namespace is enough; otherwise a user namespace maps us to root inside it. Propagation
 * is private: nothing mounted there is seen outside, and the machine's files are never touched.
 */

/** A run's file or folder, and the machine path it stands for inside the namespace. */
export interface BindMount {
  readonly source: string;
  readonly target: string;
}

/** `sh -c` script: bind each `source target` pair up to `--`, then exec the rest. */
const BIND_THEN_EXEC = 'while [ "$1" != -- ]; do mount --bind "$1" "$2" || exit 1; shift 2; done; shift; exec "$@"';

/** The `unshare` arguments that run `program args…` with `mounts` in place. */
export function namespacedArgs(mounts: readonly BindMount[], program: string, args: readonly string[]): string[] {
  const namespaces = process.getuid?.() === 0 ? ["--mount"] : ["--user", "--map-root-user", "--mount"];
  const pairs = mounts.flatMap(({ source, target }) => [source, target]);
  return [...namespaces, "--propagation", "private", "sh", "-c", BIND_THEN_EXEC, "sh", ...pairs, "--", program, ...args];
}
