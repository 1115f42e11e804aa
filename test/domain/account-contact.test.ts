/** Contact URIs an operator may give (RFC 8555 §7.3), and the ones refused with the reason why. */
import { describe, expect, it } from "vitest";
import { MAX_CONTACTS, validateContacts } from "../../src/domain/account/index.js";

describe("account contacts", () => {
  it.each([
    ["mailto:ops@corp.example", "mailto:ops@corp.example"],
    ["MailTo:First.Last+pki@Sub.Corp.Example", "mailto:First.Last+pki@sub.corp.example"],
    ["mailto:o'brien@corp-1.example", "mailto:o'brien@corp-1.example"],
  ])("accepts %s as %s", (uri, stored) => {
    expect(validateContacts([uri])).toEqual({ contact: [stored] });
  });

  it.each([
    ["https://corp.example/ops", "unsupportedContact"],
    ["ops@corp.example", "unsupportedContact"],
    ["mailto:ops@corp.example?cc=boss@corp.example", "invalidContact"],
    ["mailto:a@corp.example,b@corp.example", "invalidContact"],
    ["mailto:ops%40x@corp.example", "invalidContact"],
    ["mailto:ops@localhost", "invalidContact"],
    ["mailto:ops@[192.0.2.1]", "invalidContact"],
    ["mailto:.ops@corp.example", "invalidContact"],
    ["mailto:ops@-corp.example", "invalidContact"],
    ["mailto:op s@corp.example", "invalidContact"],
    ["mailto:", "invalidContact"],
    [`mailto:${"a".repeat(65)}@corp.example`, "invalidContact"],
    [`mailto:ops@${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.example`, "invalidContact"],
  ])("refuses %s with %s", (uri, type) => {
    expect(validateContacts(["mailto:good@corp.example", uri])).toMatchObject({ error: { type } });
  });

  it(`accepts up to ${MAX_CONTACTS} contacts and keeps each address once`, () => {
    const many = Array.from({ length: MAX_CONTACTS }, (_, i) => `mailto:ops${i}@corp.example`);
    expect(validateContacts(many)).toEqual({ contact: many });
    expect(validateContacts([...many, "mailto:ops0@CORP.example"])).toMatchObject({ error: { type: "invalidContact" } });
    expect(validateContacts(["mailto:a@corp.example", "MAILTO:a@Corp.Example"])).toEqual({ contact: ["mailto:a@corp.example"] });
  });
});
