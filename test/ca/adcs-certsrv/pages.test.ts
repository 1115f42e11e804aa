/** certsrv's pages → outcomes, on pages shaped like the real ones (English and German) and on garbage. */
import { describe, expect, it } from "vitest";
import { isCertsrvHome, readRenewalCount, readRetrieval, readSubmissionPage } from "../../../src/ca/adcs-certsrv/pages.js";
import { readRequestForm } from "../../../src/ca/adcs-certsrv/request-form.js";
import { toPem } from "../../../src/ca/der/pem.js";
import { caArchivePage, deniedPage, errorPage, homePage, issuedPage, pendingPage, requestPage } from "./certsrv-pages.js";

const html = (text: string) => new Uint8Array(Buffer.from(text));
const TEMPLATE_DENIED = "Denied by Policy Module  0x80094012, The permissions on the certificate template do not allow the current user to enroll for this type of certificate.";

describe("the submission result page (certfnsh.asp)", () => {
  it.each(["en", "de"] as const)("finds the request id of an issued certificate in its download link (%s)", (language) => {
    expect(readSubmissionPage(issuedPage(27, language))).toEqual({ kind: "issued", requestId: "27" });
  });

  it.each(["en", "de"] as const)("finds the request id of a pending request (%s)", (language) => {
    expect(readSubmissionPage(pendingPage(31, language))).toEqual({ kind: "pending", requestId: "31" });
  });

  it.each(["en", "de"] as const)("decodes a denial's HRESULT and quotes the disposition message (%s)", (language) => {
    const page = readSubmissionPage(deniedPage(TEMPLATE_DENIED, language));
    expect(page.kind).toBe("denied");
    if (page.kind === "denied") {
      expect(page.reason).toContain("(CERTSRV_E_TEMPLATE_DENIED, 0x80094012)");
      expect(page.reason).toContain('the CA said: "Denied by Policy Module 0x80094012, The permissions');
    }
  });

  it("reads an error page's error number, and a transport HRESULT as the CA being unavailable", () => {
    const denied = readSubmissionPage(errorPage("The request contains no certificate template information.", undefined, "0x80094801 (-2146875391 CERTSRV_E_NO_CERT_TYPE)"));
    expect(denied).toMatchObject({ kind: "denied", reason: expect.stringContaining("the request names no certificate template") });
    const down = readSubmissionPage(errorPage("The RPC server is unavailable.", undefined, "0x800706ba (WIN32: 1722 RPC_S_SERVER_UNAVAILABLE)"));
    expect(down).toMatchObject({ kind: "unavailable", message: expect.stringContaining("RPC_S_SERVER_UNAVAILABLE") });
  });

  it.each([
    ["an empty body", ""],
    ["an IIS error page", "<html><head><title>500 - Internal server error.</title></head><body><h2>500</h2></body></html>"],
    ["a login portal", "<html><body><form action=/login><input name=user></form></body></html>"],
    ["binary noise", "\u0000\u0001\u00ff PK\u0003\u0004"],
  ])("does not take %s for a decision", (_what, body) => {
    expect(readSubmissionPage(body).kind).toBe("unavailable");
  });
});

describe("the certificate retrieval (certnew.cer)", () => {
  it("takes a certificate body as issued, in PEM or DER", () => {
    const certificate = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x05]);
    expect(readRetrieval("application/pkix-cert", html(toPem(certificate, "CERTIFICATE")))).toEqual({ kind: "issued", certificateDer: certificate });
    expect(readRetrieval("application/pkix-cert", certificate)).toEqual({ kind: "issued", certificateDer: certificate });
    expect(readRetrieval("application/octet-stream", html("no certificate here!")).kind).toBe("unavailable");
  });

  it("reads still pending, denied and unknown-request error pages", () => {
    expect(readRetrieval("text/html", html(errorPage("Your certificate request is still pending.", "Taken Under Submission", "The operation completed successfully. 0x0 (WIN32: 0)")))).toEqual({ kind: "pending" });
    expect(readRetrieval("text/html", html(errorPage("Denied.", "Denied by CORP\\officer 0x80094014", "0x80094014")))).toMatchObject({
      kind: "denied",
      reason: expect.stringContaining("CERTSRV_E_ADMIN_DENIED_REQUEST"),
    });
    expect(readRetrieval("text/html", html(errorPage("Cannot get the certificate.", undefined, "The requested property value is empty. 0x80094004")))).toMatchObject({
      kind: "denied",
      reason: expect.stringContaining("the CA has no such request"),
    });
  });

  it("does not take an unrelated HTML page for a decision", () => {
    expect(readRetrieval("text/html; charset=utf-8", html(homePage())).kind).toBe("unavailable");
  });
});

describe("other pages", () => {
  it("reads the CA's renewal count from certcarc.asp", () => {
    expect(readRenewalCount(caArchivePage(3))).toBe(3);
    expect(readRenewalCount("<html></html>")).toBeUndefined();
  });

  it("recognises the home page by its links", () => {
    expect(isCertsrvHome(homePage())).toBe(true);
    expect(isCertsrvHome("<html><body>IIS Windows Server</body></html>")).toBe(false);
  });
});

describe("the advanced request page (certrqxt.asp)", () => {
  it("reads the templates' internal names from the option values and their display names from the text", () => {
    const form = readRequestForm(requestPage([{ name: "CerteasyWebServer", displayName: "Certeasy Web Server" }, { name: "User", displayName: "Benutzer", kind: "E" }]));
    expect(form).toEqual({
      postsToCertfnsh: true,
      templates: [
        { name: "CerteasyWebServer", displayName: "Certeasy Web Server" },
        { name: "User", displayName: "Benutzer" },
      ],
    });
  });

  it("tells a Stand-alone CA's page (no template list) from an empty list, and a page without the form", () => {
    expect(readRequestForm(requestPage(undefined))).toEqual({ postsToCertfnsh: true, templates: undefined });
    expect(readRequestForm(requestPage([]))).toEqual({ postsToCertfnsh: true, templates: [] });
    expect(readRequestForm(homePage())).toEqual({ postsToCertfnsh: false, templates: undefined });
  });
});
