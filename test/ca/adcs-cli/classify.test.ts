/** The certreq classifier on its own (adcs.md §2.2): language-independent signals first. */
import { describe, expect, it } from "vitest";
import { classifyCertreq, findRequestId } from "../../../src/ca/adcs-cli/certreq-output.js";
import { explainHresult, findFailureHresults } from "../../../src/ca/adcs-cli/hresult.js";

const run = (stdout: string, exitCode = 0, certificateWritten = false) => classifyCertreq({ stdout, stderr: "", exitCode, certificateWritten });

describe("classifyCertreq", () => {
  it("a written certificate with exit 0 is issued whatever the words", () => {
    expect(run("Zertifikat abgerufen (Ausgestellt)", 0, true).kind).toBe("issued");
  });

  it("an issued line carrying a warning code is still issued", () => {
    expect(run('RequestId: 7\nRequestId: "7"\nCertificate retrieved(Issued) Issued  The validity period will be shorter 0x80094004', 0, true).kind).toBe("issued");
  });

  it("pending in an unknown language: exit 0, an id, no file, no error code", () => {
    expect(run('Identifiant de la demande : "12"\nLa demande est en attente', 0)).toEqual({ kind: "pending", requestId: "12" });
  });

  it("no id and no file is not pending: it is unavailable", () => {
    expect(run("Certificate request is pending: Taken Under Submission").kind).toBe("unavailable");
  });

  it("an unknown code with a request id is a denial that shows the code and the tool's name for it", () => {
    const result = run('RequestId: 9\nRequestId: "9"\nCertificate not issued (Denied) 0x80094999 (-2146875000 CERTSRV_E_SOMETHING_NEW)');
    expect(result.kind).toBe("denied");
    if (result.kind === "denied") expect(result.reason).toContain("error 0x80094999 (CERTSRV_E_SOMETHING_NEW)");
  });

  it("an unknown code without an id is a local failure, not a denial", () => {
    expect(run("CertReq: 0x80070002 (WIN32: 2 ERROR_FILE_NOT_FOUND)", 2)).toEqual({ kind: "unavailable", message: "certreq: error 0x80070002 (ERROR_FILE_NOT_FOUND)" });
  });

  it("an RPC failure is unavailable even when the text also says 'not issued'", () => {
    expect(run("Certificate not issued: 0x800706ba (WIN32: 1722 RPC_S_SERVER_UNAVAILABLE)", 186).kind).toBe("unavailable");
  });
});

describe("HRESULTs", () => {
  it("reads codes in either case and ignores success codes", () => {
    expect(findFailureHresults("0x00000000 then 0X80094811 and 0x80094811 again").map((found) => found.hex)).toEqual(["0x80094811"]);
  });

  it("explains known codes and shows unknown ones as hex", () => {
    const [keyLength, unknown] = findFailureHresults("0x80094811 0x8009abcd");
    expect(keyLength && explainHresult(keyLength)).toBe("the public key is shorter than the certificate template's minimum (CERTSRV_E_KEY_LENGTH, 0x80094811)");
    expect(unknown && explainHresult(unknown)).toBe("error 0x8009abcd");
  });

  it("finds the request id by its English label, or by the quoted shape when the label is translated", () => {
    expect(findRequestId("RequestId: 17\n")).toBe("17");
    expect(findRequestId('Anforderungs-ID: "18"\r\n')).toBe("18");
    expect(findRequestId("no id here 19")).toBeUndefined();
  });
});
