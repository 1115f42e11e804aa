import { describe, expect, it } from "vitest";
import { allowedMethodsOf } from "../../src/http/allowed-methods.js";

const routes = [
  { method: "ALL", path: "*" },
  { method: "GET", path: "/acme/directory" },
  { method: "GET", path: "/acme/newNonce" },
  { method: "POST", path: "/acme/order/:orderId" },
  { method: "POST", path: "/acme/order/:orderId/finalize" },
  { method: "POST", path: "/acme/cert/:certificateId/:alternate?" },
  { method: "GET", path: "/both" },
  { method: "POST", path: "/both" },
];

describe("allowedMethodsOf (RFC 9110 §15.5.6 Allow)", () => {
  const allowed = allowedMethodsOf(routes);

  it("lists HEAD with GET, and POST alone for a POST-as-GET resource", () => {
    expect(allowed("/acme/directory")).toEqual(["GET", "HEAD"]);
    expect(allowed("/acme/order/0190c1a2-0000-7000-8000-000000000000")).toEqual(["POST"]);
    expect(allowed("/both")).toEqual(["GET", "HEAD", "POST"]);
  });

  it("matches optional and nested parameters as the app does", () => {
    expect(allowed("/acme/cert/abc")).toEqual(["POST"]);
    expect(allowed("/acme/cert/abc/1")).toEqual(["POST"]);
    expect(allowed("/acme/order/abc/finalize")).toEqual(["POST"]);
  });

  it("names no method for a path no route serves, whatever middleware runs there", () => {
    expect(allowed("/acme/nope")).toEqual([]);
    expect(allowed("/acme/order/abc/finalize/more")).toEqual([]);
    expect(allowed("/")).toEqual([]);
  });
});
