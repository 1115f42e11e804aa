/**
 * Python's repr() of the JSON values a client decoded: acme-tiny puts the server's problem
 * document (RFC 8555 §6.7), as `json.loads` read it, into its error message with str.format,
 * so what it prints is a dict repr — single-quoted strings (double-quoted when the text holds a
 * single quote), True/False/None, backslash escapes — not JSON. This reads that subset:
 * dicts, lists, strings, numbers, True, False and None; anything else is not a literal.
 */

export type PythonValue = string | number | boolean | null | readonly PythonValue[] | { readonly [key: string]: PythonValue };

/** Python's single-character escapes inside a string literal. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { "\\": "\\", "'": "'", '"': '"', n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b", f: "\f", v: "\v", "0": "\0" };
/** \xhh, \uhhhh, \Uhhhhhhhh: the number of hex digits each takes */
const HEX_ESCAPES: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/;
const WORDS: Readonly<Record<string, PythonValue>> = { True: true, False: false, None: null };

class NotALiteral extends Error {}

class Reader {
  at = 0;
  constructor(readonly text: string) {}

  skipBlanks(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at] ?? "")) this.at += 1;
  }

  expect(char: string): void {
    this.skipBlanks();
    if (this.text[this.at] !== char) throw new NotALiteral();
    this.at += 1;
  }

  /** After an item: true at the closing `close`, having stepped over a `,` otherwise. */
  closes(close: string): boolean {
    this.skipBlanks();
    if (this.text[this.at] === close) {
      this.at += 1;
      return true;
    }
    return false;
  }

  value(): PythonValue {
    this.skipBlanks();
    const char = this.text[this.at];
    if (char === "{") return this.dict();
    if (char === "[") return this.list();
    if (char === "'" || char === '"') return this.string(char);
    const number = NUMBER.exec(this.text.slice(this.at));
    if (number !== null) {
      this.at += number[0].length;
      return Number(number[0]);
    }
    const word = Object.keys(WORDS).find((name) => this.text.startsWith(name, this.at));
    if (word === undefined) throw new NotALiteral();
    this.at += word.length;
    return WORDS[word] ?? null;
  }

  dict(): { [key: string]: PythonValue } {
    this.expect("{");
    const dict: { [key: string]: PythonValue } = {};
    if (this.closes("}")) return dict;
    for (;;) {
      const key = this.value();
      if (typeof key !== "string") throw new NotALiteral();
      this.expect(":");
      dict[key] = this.value();
      if (this.closes("}")) return dict;
      this.expect(",");
    }
  }

  list(): PythonValue[] {
    this.expect("[");
    const list: PythonValue[] = [];
    if (this.closes("]")) return list;
    for (;;) {
      list.push(this.value());
      if (this.closes("]")) return list;
      this.expect(",");
    }
  }

  string(quote: string): string {
    this.at += 1;
    let text = "";
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined || char === "\n") throw new NotALiteral();
      this.at += 1;
      if (char === quote) return text;
      if (char !== "\\") {
        text += char;
        continue;
      }
      const escape = this.text[this.at] ?? "";
      this.at += 1;
      const simple = SIMPLE_ESCAPES[escape];
      const digits = HEX_ESCAPES[escape];
      if (simple !== undefined) text += simple;
      else if (digits !== undefined) {
        const hex = this.text.slice(this.at, this.at + digits);
        if (!new RegExp(`^[0-9a-fA-F]{${digits}}$`).test(hex)) throw new NotALiteral();
        text += String.fromCodePoint(Number.parseInt(hex, 16));
        this.at += digits;
      } else text += `\\${escape}`; // Python keeps an unknown escape as written
    }
  }
}

/** The literal that `text` holds from its start, and where it ends; null when it holds none. */
export function readPythonLiteral(text: string): { value: PythonValue; end: number } | null {
  const reader = new Reader(text);
  try {
    const value = reader.value();
    return { value, end: reader.at };
  } catch (error) {
    // RangeError: an escape naming no code point (beyond U+10FFFF)
    if (error instanceof NotALiteral || error instanceof RangeError) return null;
    throw error;
  }
}
