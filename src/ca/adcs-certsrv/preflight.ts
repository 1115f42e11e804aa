/**
 * `certeasy adcs check` for an `adcs-certsrv` authority (issue 4 "PKI health", behaviour
 * reference §5): read-only — it requests no certificate. In order, each one line for the operator:
 *
 *   configuration  the password (file or environment) and the ca-bundle can be read
 *   TLS            the handshake verifies against ca-bundle (or the system's CAs)
 *   authentication the site accepts the account with the configured scheme (a 401 names both)
 *   pages          the home page is Web Enrollment's, and certrqxt.asp's form posts to certfnsh.asp
 *   template       certrqxt.asp offers the configured template to this account (Enterprise CA)
 *   CA chain       certnew.p7b holds the CA's certificates
 *
 * A check that the later ones depend on (configuration, TLS, authentication) stops the run when it
 * fails: its line already says why, and every later line would repeat it.
 */
import { X509Certificate } from "node:crypto";
import { AuthorityUnavailableError } from "../authority.js";
import { AdcsConfigError } from "../adcs-cli/errors.js";
import { excerpt } from "../adcs-cli/certreq-output.js";
import type { PreflightCheck } from "../adcs-cli/preflight.js";
import { fetchCaChain } from "./ca-chain.js";
import { type CertsrvClient, certsrvClient } from "./http-client.js";
import { type AdcsCertsrvAuthorityOptions, type ResolvedCertsrvOptions, resolveCertsrvOptions } from "./options.js";
import { isCertsrvHome } from "./pages.js";
import { readRequestForm } from "./request-form.js";
import { probeTls } from "./tls-probe.js";

export async function preflightAdcsCertsrv(options: AdcsCertsrvAuthorityOptions): Promise<readonly PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  let resolved: ResolvedCertsrvOptions;
  try {
    resolved = await resolveCertsrvOptions(options);
    checks.push({ name: "configuration", ok: true, detail: `password ${options.password.kind === "file" ? `file ${options.password.path}` : `from $${options.password.name}`} read; ${resolved.ca === undefined ? "the system's CAs trusted" : `ca-bundle ${options.caBundle ?? ""} read`}` });
  } catch (err) {
    if (!(err instanceof AdcsConfigError)) throw err;
    checks.push({ name: "configuration", ok: false, detail: err.message });
    return checks;
  }
  const site = { baseUrl: resolved.baseUrl, ca: resolved.ca, timeoutMs: options.timeoutMs };

  const tls = await attempt(`TLS to ${resolved.baseUrl.host}`, async () => {
    const probe = await probeTls(site);
    return `${probe.protocol}, certificate ${probe.subject || "without subject"} verified, valid until ${probe.validTo}`;
  });
  checks.push(tls);
  if (!tls.ok) return checks;

  const client = certsrvClient({ ...site, auth: options.auth, username: options.username, password: resolved.password });
  let home = "";
  const login = await attempt(`${options.auth} authentication as ${options.username}`, async () => {
    home = (await client.get("")).body.toString("utf8");
    return `${resolved.baseUrl.href} accepted the credentials`;
  });
  checks.push(login);
  if (!login.ok) return checks;

  let requestPage = "";
  checks.push(
    await attempt("Web Enrollment pages", async () => {
      if (!isCertsrvHome(home)) throw new AuthorityUnavailableError(`${resolved.baseUrl.href} is not the Web Enrollment home page (is url the /certsrv/ site?): ${excerpt(home.replace(/<[^>]*>/g, " "))}`);
      requestPage = (await client.get("certrqxt.asp")).body.toString("utf8");
      if (!readRequestForm(requestPage).postsToCertfnsh) throw new AuthorityUnavailableError("certrqxt.asp holds no request form that posts to certfnsh.asp");
      return "home page, certrqxt.asp and its form posting to certfnsh.asp present";
    }),
  );
  checks.push(templateCheck(options.template, requestPage));
  checks.push(await attempt("CA chain (certnew.p7b)", () => chainDetail(client)));
  return checks;
}

async function attempt(name: string, run: () => Promise<string>): Promise<PreflightCheck> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (err) {
    if (err instanceof AuthorityUnavailableError) return { name, ok: false, detail: err.message };
    throw err;
  }
}

/** Matches the cn name as ADCS does (case-insensitively); a display name given instead is named as such. */
function templateCheck(template: string, requestPage: string): PreflightCheck {
  const name = `template ${template} offered`;
  if (requestPage === "") return { name, ok: false, detail: "not checked: certrqxt.asp could not be read" };
  const offered = readRequestForm(requestPage).templates;
  if (offered === undefined) return { name, ok: true, detail: "certrqxt.asp lists no templates (a Stand-alone CA): the CA decides at submission" };
  const same = (a: string) => a.toLowerCase() === template.toLowerCase();
  const found = offered.find((t) => same(t.name));
  if (found !== undefined) return { name, ok: true, detail: `offered to this account as "${found.displayName}"` };
  const byDisplay = offered.find((t) => same(t.displayName));
  if (byDisplay !== undefined) {
    return { name, ok: false, detail: `"${template}" is the template's display name; certificate-template must be its internal name, ${byDisplay.name}` };
  }
  const list = offered.map((t) => t.name).join(", ");
  return { name, ok: false, detail: `not offered to this account (the CA does not publish it, or the account lacks Enroll on it); offered: ${excerpt(list) || "nothing"}` };
}

async function chainDetail(client: CertsrvClient): Promise<string> {
  const chain = await fetchCaChain(client);
  if (chain.certificates.length === 0) throw new AuthorityUnavailableError("certnew.p7b holds no certificate");
  const subjects = chain.certificates.map((der) => {
    try {
      return new X509Certificate(der).subject.replace(/\n/g, ", ");
    } catch {
      throw new AuthorityUnavailableError("certnew.p7b holds a certificate that cannot be read");
    }
  });
  return `${chain.certificates.length} CA certificate(s): ${subjects.join("; ")}`;
}
