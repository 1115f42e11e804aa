/** SIGKILL every child in `running` that has not exited, wait for each to close, forget them. */
import type { ChildProcess } from "node:child_process";

export async function killChildren(running: Set<ChildProcess>): Promise<void> {
  const leftovers = [...running];
  await Promise.all(
    leftovers.map(
      (child) =>
        new Promise<void>((resolveKill) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolveKill();
          child.once("close", () => resolveKill());
          child.kill("SIGKILL");
        }),
    ),
  );
  for (const child of leftovers) running.delete(child);
}
