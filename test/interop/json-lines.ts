/**
 * JSON read line by line, and its loosely typed members: the output of the run's own client
 * drivers (x-crypto-acme/main.go, ruby-acme-client/client.rb, one object a line, its `event`
 * member naming it) and `certeasy events export`. Anything else on a driver's stream — a Ruby
 * warning, a Go panic — is skipped here and left to the scenario's evidence.
 */

/** One JSON line: its `event`, every other member as printed. */
export interface EventLine {
  readonly event: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
/** a string member, or "" when it is missing or not a string */
export const text = (value: unknown): string => (typeof value === "string" ? value : "");
/** the string entries of an array member; [] when it is not an array */
export const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === "string") : []);

/** The event lines of `stdout`, in order. */
export function eventLines(stdout: string): EventLine[] {
  return stdout.split("\n").flatMap((line): EventLine[] => {
    if (!line.startsWith("{")) return [];
    try {
      const value: unknown = JSON.parse(line);
      if (!isRecord(value) || typeof value["event"] !== "string") return [];
      const { event, ...fields } = value;
      return [{ event, fields }];
    } catch {
      return [];
    }
  });
}
