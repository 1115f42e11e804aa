import { describe, expect, it } from "vitest";
import { resolveClientIp, trustedProxyList } from "../../src/http/client-ip.js";

const proxies = trustedProxyList([
  { address: "10.0.0.0", prefixLength: 8, family: "ipv4" },
  { address: "fd00::", prefixLength: 8, family: "ipv6" },
]);

describe("the client address the audit records", () => {
  it("is the socket peer when the peer is not a trusted proxy, whatever the header says", () => {
    expect(resolveClientIp("203.0.113.9", "198.51.100.1", proxies)).toBe("203.0.113.9");
    expect(resolveClientIp("::ffff:203.0.113.9", undefined, proxies)).toBe("203.0.113.9");
    expect(resolveClientIp("::ffff:cb00:7109", undefined, proxies)).toBe("203.0.113.9");
  });

  it("is the first untrusted hop from the right when a trusted proxy forwarded the request", () => {
    expect(resolveClientIp("10.1.2.3", "198.51.100.7", proxies)).toBe("198.51.100.7");
    // a client-supplied first entry is not believed: only the hop the proxy saw is
    expect(resolveClientIp("10.1.2.3", "1.2.3.4, 198.51.100.7, 10.9.9.9", proxies)).toBe("198.51.100.7");
    expect(resolveClientIp("fd00::1", "2001:db8::42", proxies)).toBe("2001:db8::42");
    // a mapped address from the proxy is the IPv4 client, in either spelling
    expect(resolveClientIp("::ffff:10.1.2.3", "::ffff:c633:6407", proxies)).toBe("198.51.100.7");
  });

  it("stops at garbage, and at the proxy itself when every hop is trusted", () => {
    expect(resolveClientIp("10.1.2.3", "not-an-ip, 10.0.0.8", proxies)).toBe("10.0.0.8");
    expect(resolveClientIp("10.1.2.3", "10.0.0.5", proxies)).toBe("10.0.0.5");
    expect(resolveClientIp("10.1.2.3", "", proxies)).toBe("10.1.2.3");
  });
});
