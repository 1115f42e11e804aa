import { describe, expect, it } from "vitest";
import {
  externalBaseUrlSelector,
  InvalidServerUrlError,
  parseExternalBaseUrls,
  selectExternalBaseUrl,
  SELECTOR_MEMO_SIZE,
} from "../../src/http/external-base-url.js";

const configured = parseExternalBaseUrls([
  "https://acme.corp.internal/",
  "https://acme.corp.internal:8443",
  "https://[2001:db8::1]:8443",
]);
const pick = (host: string | undefined) => selectExternalBaseUrl(configured, host, "https").base;

describe("external base URL selection", () => {
  it("matches host and port exactly, treating :443 as the https default", () => {
    expect(pick("acme.corp.internal:8443")).toBe("https://acme.corp.internal:8443");
    expect(pick("acme.corp.internal:443")).toBe("https://acme.corp.internal");
    expect(pick("[2001:DB8:0::1]:8443")).toBe("https://[2001:db8::1]:8443");
  });

  it("falls back to the host name alone, then to the first URL", () => {
    expect(pick("[2001:db8::1]")).toBe("https://[2001:db8::1]:8443");
    expect(pick("other.example")).toBe("https://acme.corp.internal");
    expect(pick("bad host/with/path")).toBe("https://acme.corp.internal");
    expect(pick(undefined)).toBe("https://acme.corp.internal");
  });

  it("refuses server.url entries that cannot be a base URL", () => {
    expect(() => parseExternalBaseUrls([])).toThrow(InvalidServerUrlError);
    expect(() => parseExternalBaseUrls(["acme.corp.internal"])).toThrow(/not a URL/);
    expect(() => parseExternalBaseUrls(["ftp://acme.corp.internal"])).toThrow(/https/);
    expect(() => parseExternalBaseUrls(["https://acme.corp.internal/?x=1"])).toThrow(/query/);
  });

  it("remembers its answers per scheme and Host header without changing them, however many hosts it is asked about", () => {
    const select = externalBaseUrlSelector(configured);
    const hosts = ["acme.corp.internal:8443", "acme.corp.internal:443", "[2001:DB8:0::1]:8443", "[2001:db8::1]", "other.example", "bad host/with/path", undefined];
    const check = (): void => {
      for (const host of hosts) {
        expect(select(host, "https")).toEqual(selectExternalBaseUrl(configured, host, "https"));
        expect(select(host, "http")).toEqual(selectExternalBaseUrl(configured, host, "http"));
      }
    };
    check();
    check();
    // :443 is only the default port of https: the scheme is part of what is remembered
    const portFirst = externalBaseUrlSelector(parseExternalBaseUrls(["https://a.example:8443", "https://a.example"]));
    expect(portFirst("a.example:443", "https").base).toBe("https://a.example");
    expect(portFirst("a.example:443", "http").base).toBe("https://a.example:8443");
    expect(portFirst("a.example:443", "https").base).toBe("https://a.example");
    for (let i = 0; i < SELECTOR_MEMO_SIZE + 5; i++) expect(select(`flood-${i}.example`, "https").base).toBe("https://acme.corp.internal");
    check();
  });
});
