/**
 * The `authorities` and `policy-bindings` sections (behaviour reference §3.1–3.3): which CAs
 * issue, and which of them serve each issuance policy. Of the product's authority types this
 * version runs the embedded CA (`local`) and ADCS through certreq.exe/certutil.exe
 * (`adcs-cli`); the others are refused with a message saying so. The checks that need the
 * issuance policies (names that must exist, one binding per policy) are in
 * `checkAuthoritiesAndBindings`, run by the root schema; the defaults of a file without these
 * sections are applied in `normaliseAuthorities`.
 */
import { posix } from "node:path";
import { z } from "zod";
import { MAX_CRL_SHARDS, isValidShardCount } from "../ca/local/crl-partition.js";
import { DEFAULTS } from "./defaults.js";
import { describeValue } from "./errors.js";
import { anchoredPath, bool, duration, field, list, maybeField, oneOf, optionalField, section } from "./fields.js";
import { parseHttpsUrl } from "./network.js";
import type { Check } from "./fields.js";
import type { AuthorityConfig, PolicyBindingConfig } from "./types.js";

const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

const AUTHORITY_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
// C0 controls, DEL and C1 controls: any of them could cut a command-line argument or a log line.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

const authorityName: Check<string> = (value) =>
  typeof value === "string" && AUTHORITY_NAME.test(value)
    ? ok(value)
    : `expected an authority name of lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters, got ${describeValue(value)}`;

/** A reference to a name defined elsewhere; whether it exists is checked once all sections parsed. */
const nameOf = (what: string): Check<string> => (value) =>
  typeof value === "string" && value !== "" ? ok(value) : `expected the name of ${what}, got ${describeValue(value)}`;

const SUPPORTED_TYPES = ["local", "adcs-cli", "adcs-certsrv"] as const;
type AuthorityType = (typeof SUPPORTED_TYPES)[number];
const SUPPORTED = "local (the embedded CA), adcs-cli (ADCS through certreq.exe and certutil.exe) or adcs-certsrv (ADCS through its Web Enrollment pages)";

/** The product's other types, by what they are, so the refusal says what the user asked for. */
const LATER_TYPES: Readonly<Record<string, string>> = {
  adcs: "the native ADCS connector",
  "adcs-native": "the native ADCS connector",
  fake: "the built-in lab CA",
};

const authorityType: Check<AuthorityType> = (value) => {
  if (typeof value === "string" && (SUPPORTED_TYPES as readonly string[]).includes(value)) return ok(value as AuthorityType);
  if (typeof value === "string" && Object.hasOwn(LATER_TYPES, value)) {
    return `type ${value} (${LATER_TYPES[value]}) is not supported by this version of Certeasy yet; expected ${SUPPORTED}`;
  }
  if (value === undefined) {
    // Certeasy 0.9 read a missing type as `adcs`: guessing `local` here would silently swap CAs.
    return `expected ${SUPPORTED}, got nothing (the key is missing; Certeasy 0.9 read that as adcs, which is not supported yet)`;
  }
  return `expected ${SUPPORTED}, got ${describeValue(value)}`;
};

/**
 * `ca-name` reaches certreq as `-config HOST\CA Name`: a leading `-` would read as a switch, a
 * control character could end the argument early in a log or a console, and `:` is refused as
 * in the product (reference §3.2).
 */
const caName: Check<string> = (value) => {
  const expected = "expected the CA as certutil -CA shows it, HOST\\CA Name (e.g. PKI\\LAB-RootCA)";
  if (typeof value !== "string") return `${expected}, got ${describeValue(value)}`;
  const shown = JSON.stringify(value);
  if (CONTROL_CHARACTER.test(value)) return `${expected}, got ${shown} (control characters are refused)`;
  if (value.startsWith("-")) return `${expected}, got ${shown} (a leading "-" would read as a certreq switch)`;
  // Reference §3.2 (v0.9.4): ":" is refused in CA names, as the adcs-cli authority also does.
  if (value.includes(":")) return `${expected}, got ${shown} (":" is refused)`;
  const separator = value.indexOf("\\");
  if (separator <= 0 || value.slice(separator + 1).trim() === "") return `${expected}, got ${shown}`;
  return ok(value);
};

/**
 * `certificate-template` reaches certreq inside `-attrib CertificateTemplate:<name>`: `:` and `\`
 * are refused because certreq splits attributes on `\n` and names on `:`, so a template name
 * holding them could smuggle a second attribute (a SAN) into the request.
 */
const certificateTemplate: Check<string> = (value) => {
  const expected = "expected an ADCS template name (its cn, e.g. WebServerACME)";
  if (typeof value !== "string" || value.trim() === "") return `${expected}, got ${describeValue(value)}`;
  const shown = JSON.stringify(value);
  if (CONTROL_CHARACTER.test(value)) return `${expected}, got ${shown} (control characters are refused)`;
  if (value.includes(":") || value.includes("\\")) return `${expected}, got ${shown} (":" and "\\" are refused: certreq reads them as attribute syntax)`;
  if (value.startsWith("-")) return `${expected}, got ${shown} (a leading "-" would read as a certreq switch)`;
  return ok(value);
};

/** `C:\…`, `C:/…` or `\\server\share\…`: absolute under Windows' rules (a bare `\…` is drive-relative). */
const WINDOWS_ABSOLUTE = /^(?:[A-Za-z]:[\\/]|\\\\[^\\/])/;

/**
 * An absolute path (either platform's form, so a Windows path is judged as what it is wherever
 * the file is checked) or a bare program name found on PATH. A relative path is refused: it
 * would resolve against whatever directory the service starts in, and could run a planted
 * certreq.exe (Certeasy 0.9.4 hardening).
 */
const programPath =
  (program: string): Check<string> =>
  (value) => {
    const expected = `expected an absolute path or a bare program name such as ${program}`;
    if (typeof value !== "string" || value === "") return `${expected}, got ${describeValue(value)}`;
    const shown = JSON.stringify(value);
    if (CONTROL_CHARACTER.test(value)) return `${expected}, got ${shown} (control characters are refused)`;
    if (posix.isAbsolute(value) || WINDOWS_ABSOLUTE.test(value)) return ok(value);
    // ":" too: "C:certreq.exe" is relative to drive C's current directory.
    const bare = !/[/\\:]/.test(value) && value !== "." && value !== ".." && !value.startsWith("-");
    return bare ? ok(value) : `${expected}, got the relative path ${shown} (it would depend on the directory Certeasy starts in)`;
  };

const ADCS = DEFAULTS.authority.adcsCli;

const adcsCliShape = {
  "ca-name": field(caName),
  "certificate-template": field(certificateTemplate),
  "default-timeout": optionalField(
    duration({ allowZero: false, zeroReason: "an explicit 0 is refused: a stuck certreq would hold the order forever" }),
    ADCS.defaultTimeoutMs,
  ),
  "certreq-path": optionalField(programPath("certreq"), ADCS.certreqPath),
  "certutil-path": optionalField(programPath("certutil"), ADCS.certutilPath),
};

const adcsCliConfiguration = section(adcsCliShape);

/**
 * The Web Enrollment site: https only — the password (Basic) or an NTLM exchange travels on
 * every request, and plain-HTTP certsrv is the ESC8 relay target (adcs.md §3.2).
 */
const certsrvUrl: Check<string> = (value) => {
  const expected = "expected the https URL of the Web Enrollment site, e.g. https://ca01.corp.example/certsrv/";
  if (typeof value !== "string") return `${expected}, got ${describeValue(value)}`;
  const url = parseHttpsUrl(value.trim());
  if (typeof url === "string") return `${expected}, got ${url}`;
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return ok(url.href);
};

/** `DOMAIN\user` or `user@domain`; ":" would end the user name in Basic's `user:password`. */
const certsrvUsername: Check<string> = (value) => {
  const expected = "expected the service account as DOMAIN\\user or user@domain";
  if (typeof value !== "string" || value.trim() === "") return `${expected}, got ${describeValue(value)}`;
  if (CONTROL_CHARACTER.test(value) || value.includes(":")) return `${expected}, got ${JSON.stringify(value)} (control characters and ":" are refused)`;
  return ok(value);
};

const environmentVariable: Check<string> = (value) =>
  typeof value === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(value)
    ? ok(value)
    : `expected the name of an environment variable holding the password (letters, digits, "_"), got ${describeValue(value)}`;

const adcsCertsrvShape = {
  url: field(certsrvUrl),
  "certificate-template": field(certificateTemplate),
  /** IIS "Windows Authentication" is NTLM (behind Negotiate); Basic only where the site enables it */
  auth: optionalField(oneOf(["ntlm", "basic"] as const), "ntlm"),
  username: field(certsrvUsername),
  "password-file": maybeField(anchoredPath("%WORKDIR%")),
  "password-env": maybeField(environmentVariable),
  "ca-bundle": maybeField(anchoredPath("%WORKDIR%")),
  "default-timeout": optionalField(
    duration({ allowZero: false, zeroReason: "an explicit 0 is refused: a site that never answers would hold the order forever" }),
    ADCS.defaultTimeoutMs,
  ),
};

const adcsCertsrvConfiguration = section(adcsCertsrvShape).superRefine((configuration, ctx) => {
  const file = configuration["password-file"];
  const env = configuration["password-env"];
  if ((file === undefined) === (env === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: ["password-file"],
      message: `expected exactly one of password-file or password-env (the password is never written in this file), got ${file === undefined ? "neither" : "both"}`,
    });
    }
});

/**
 * The embedded CA (issue 4): its key password comes from a file or an environment variable,
 * never from this file; an operator's own issuing CA is three files, all or none.
 */
/** `crl-shards` (crl-partition.ts): the shard is the serial's low bits, so a power of two. */
const crlShardCount: Check<number> = (value) =>
  typeof value === "number" && isValidShardCount(value)
    ? { ok: true, value }
    : `expected a power of two from 1 to ${MAX_CRL_SHARDS} (how many CRLs the revocations are spread over), got ${describeValue(value)}`;

const localShape = {
  "key-password-file": maybeField(anchoredPath("%WORKDIR%")),
  "key-password-env": maybeField(environmentVariable),
  "root-certificate-file": maybeField(anchoredPath("%WORKDIR%")),
  "issuing-certificate-file": maybeField(anchoredPath("%WORKDIR%")),
  "issuing-key-file": maybeField(anchoredPath("%WORKDIR%")),
  "crl-shards": maybeField(crlShardCount),
};

const PROVIDED_FILES = ["root-certificate-file", "issuing-certificate-file", "issuing-key-file"] as const;

const localConfiguration = section(localShape).superRefine((local, ctx) => {
  if (local["key-password-file"] !== undefined && local["key-password-env"] !== undefined) {
    ctx.addIssue({ code: "custom", path: ["key-password-env"], message: "expected key-password-file or key-password-env, got both" });
  }
  const given = PROVIDED_FILES.filter((key) => local[key] !== undefined);
  if (given.length > 0 && given.length < PROVIDED_FILES.length) {
    const missing = PROVIDED_FILES.filter((key) => local[key] === undefined);
    ctx.addIssue({ code: "custom", path: [missing[0] ?? ""], message: `expected ${PROVIDED_FILES.join(", ")} together (an operator-provided issuing CA), got ${given.join(", ")} without ${missing.join(", ")}` });
  }
});

const authorityShape = {
  name: field(authorityName),
  type: field(authorityType),
  /** authority-side issuance policies: a CSR they refuse is routed to another authority (§3.3) */
  policies: list(field(nameOf("an issuance-policies entry")), "issuance policy names", 1).optional(),
  "disable-ca-revocation": optionalField(bool, false),
  /** checked by type below: its keys depend on it */
  configuration: z.unknown().optional(),
};

type ParsedAdcsCli = z.output<typeof adcsCliConfiguration>;
type ParsedAdcsCertsrv = z.output<typeof adcsCertsrvConfiguration>;

/** The type's own configuration keys, with issues reported under `configuration`. */
function typedConfiguration<T>(schema: z.ZodType<T>, configuration: unknown, ctx: z.RefinementCtx): T | typeof z.NEVER {
  const parsed = schema.safeParse(configuration === undefined ? null : configuration);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ ...issue, path: ["configuration", ...issue.path] });
    return z.NEVER;
  }
  return parsed.data;
}

const authoritySection = section(authorityShape).transform((authority, ctx) => {
  const { configuration, ...common } = authority;
  if (common.type === "local") {
    if (configuration === undefined || configuration === null) return { ...common, type: common.type, configuration: undefined };
    const local = localConfiguration.safeParse(configuration);
    if (!local.success) {
      for (const issue of local.error.issues) ctx.addIssue({ ...issue, path: ["configuration", ...issue.path] });
      return z.NEVER;
    }
    return { ...common, type: common.type, configuration: local.data };
  }
  if (common.type === "adcs-certsrv") {
    return { ...common, type: common.type, configuration: typedConfiguration(adcsCertsrvConfiguration, configuration, ctx) as ParsedAdcsCertsrv };
  }
  return { ...common, type: common.type, configuration: typedConfiguration(adcsCliConfiguration, configuration, ctx) as ParsedAdcsCli };
});

/** A name used twice is refused at the second use, naming the first. */
function refuseRepeats(
  names: readonly string[],
  at: (index: number) => (string | number)[],
  what: string,
  shown: (index: number) => string,
  ctx: z.RefinementCtx,
): void {
  const first = new Map<string, number>();
  names.forEach((name, index) => {
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, index);
      return;
    }
    ctx.addIssue({ code: "custom", path: at(index), message: `expected a unique ${what}, got ${JSON.stringify(name)} again (first at ${shown(earlier)})` });
  });
}

export const authorities = list(authoritySection, "authorities", 1)
  .superRefine((items, ctx) => {
    refuseRepeats(items.map((a) => a.name), (i) => [i, "name"], "authority name", (i) => `authorities.${i}.name`, ctx);
  })
  .optional();

const STRATEGIES = ["first_available", "round_robin"] as const;

const bindingShape = {
  policy: field(nameOf("an issuance-policies entry")),
  authorities: list(field(nameOf("an authorities entry")), "authority names", 1),
  /** first_available: failover in the order written; round_robin: load balancing (§3.3) */
  strategy: optionalField(oneOf(STRATEGIES), DEFAULTS.authority.strategy),
};

export const policyBindings = list(section(bindingShape), "policy bindings", 1)
  .superRefine((bindings, ctx) => {
    refuseRepeats(bindings.map((b) => b.policy), (i) => [i, "policy"], "policy per binding (a policy is bound once)", (i) => `policy-bindings.${i}.policy`, ctx);
    bindings.forEach((binding, b) =>
      refuseRepeats(binding.authorities, (i) => [b, "authorities", i], "authority in a binding", (i) => `policy-bindings.${b}.authorities.${i}`, ctx),
    );
  })
  .optional();

type ParsedAuthorities = z.output<typeof authorities>;
type ParsedBindings = z.output<typeof policyBindings>;

/**
 * The startup checks that need other sections (behaviour reference §3.3): names that must exist,
 * one embedded CA at most, and exactly one binding per issuance policy. `policyNames` are the
 * issuance policies after defaults (`default` when that section is absent). `report` receives
 * the path from the file's root.
 */
export function checkAuthoritiesAndBindings(
  parsedAuthorities: ParsedAuthorities,
  bindings: ParsedBindings,
  policyNames: readonly string[],
  report: (path: (string | number)[], message: string) => void,
): void {
  const policies = policyNames.join(", ");
  const authorityList = parsedAuthorities ?? [implicitAuthority()];
  const authorityNames = authorityList.map((a) => a.name);

  let firstLocal: number | undefined;
  (parsedAuthorities ?? []).forEach((authority, index) => {
    (authority.policies ?? []).forEach((name, p) => {
      if (!policyNames.includes(name)) {
        report(["authorities", index, "policies", p], `expected the name of an issuance-policies entry (${policies}), got ${JSON.stringify(name)}`);
      }
    });
    if (authority.type !== "local") return;
    // One embedded CA: its key, CRL and CA-issuer URLs are per node, not per authority entry.
    if (firstLocal === undefined) firstLocal = index;
    else report(["authorities", index, "type"], `expected at most one authority of type local, got a second one (first at authorities.${firstLocal})`);
  });

  if (bindings === undefined) {
    if (authorityList.length > 1) {
      report(
        ["policy-bindings"],
        `expected a binding for every issuance policy when there are several authorities (${authorityNames.join(", ")}), got nothing (the key is missing), so none for ${policies}`,
      );
    }
    return;
  }
  const known = authorityNames.join(", ");
  bindings.forEach((binding, index) => {
    if (!policyNames.includes(binding.policy)) {
      report(["policy-bindings", index, "policy"], `expected the name of an issuance-policies entry (${policies}), got ${JSON.stringify(binding.policy)}`);
    }
    binding.authorities.forEach((name, a) => {
      if (!authorityNames.includes(name)) {
        report(["policy-bindings", index, "authorities", a], `expected the name of an authorities entry (${known}), got ${JSON.stringify(name)}`);
      }
    });
  });
  const bound = new Set(bindings.map((binding) => binding.policy));
  const unbound = policyNames.filter((name) => !bound.has(name));
  if (unbound.length > 0) {
    report(["policy-bindings"], `expected a binding for every issuance policy, got none for ${unbound.join(", ")}`);
  }
}

function implicitAuthority(): AuthorityConfig {
  return { name: DEFAULTS.authority.name, type: "local", policies: [], disableCaRevocation: false };
}

/**
 * The typed authorities and bindings, after defaults: the embedded CA alone when the file names
 * no authority, and, with exactly one authority and no bindings, every issuance policy bound to
 * it (`first_available`). The checks above have run, so the bindings cover every policy.
 */
export function normaliseAuthorities(
  parsedAuthorities: ParsedAuthorities,
  bindings: ParsedBindings,
  policyNames: readonly string[],
  inWorkdir: (path: string) => string,
): { readonly authorities: AuthorityConfig[]; readonly policyBindings: PolicyBindingConfig[] } {
  const typed = parsedAuthorities?.map((authority) => toAuthorityConfig(authority, inWorkdir)) ?? [implicitAuthority()];
  if (bindings !== undefined) {
    return { authorities: typed, policyBindings: bindings.map((b) => ({ policy: b.policy, authorities: b.authorities, strategy: b.strategy })) };
  }
  const [only, ...others] = typed;
  if (only === undefined || others.length > 0) throw new TypeError("policy-bindings missing for several authorities after validation");
  return {
    authorities: typed,
    policyBindings: policyNames.map((policy) => ({ policy, authorities: [only.name], strategy: DEFAULTS.authority.strategy })),
  };
}

type ParsedAuthority = NonNullable<ParsedAuthorities>[number];

function toAuthorityConfig(authority: ParsedAuthority, inWorkdir: (path: string) => string): AuthorityConfig {
  const common = {
    name: authority.name,
    policies: [...new Set(authority.policies ?? [])],
    disableCaRevocation: authority["disable-ca-revocation"],
  };
  if (authority.type === "local") {
    const local = authority.configuration;
    const file = local?.["key-password-file"];
    const env = local?.["key-password-env"];
    const [root, issuing, key] = [local?.["root-certificate-file"], local?.["issuing-certificate-file"], local?.["issuing-key-file"]];
    const crlShards = local?.["crl-shards"];
    return {
      ...common,
      type: "local",
      ...(file !== undefined ? { keyPassword: { file } } : env !== undefined ? { keyPassword: { env } } : {}),
      ...(root !== undefined && issuing !== undefined && key !== undefined
        ? { provided: { rootCertificateFile: root, issuingCertificateFile: issuing, issuingKeyFile: key } }
        : {}),
      ...(crlShards !== undefined ? { crlShards } : {}),
      };
    }
  if (authority.type === "adcs-certsrv") {
    const configuration = authority.configuration;
    const file = configuration["password-file"];
    const caBundle = configuration["ca-bundle"];
    return {
      ...common,
      type: "adcs-certsrv",
      url: configuration.url,
      certificateTemplate: configuration["certificate-template"],
      auth: configuration.auth,
      username: configuration.username,
      // The refinement above guarantees exactly one of the two.
      password: file !== undefined ? { kind: "file", path: inWorkdir(file) } : { kind: "env", name: configuration["password-env"] ?? "" },
      caBundle: caBundle === undefined ? null : inWorkdir(caBundle),
      defaultTimeoutMs: configuration["default-timeout"],
    };
  }
  const configuration = authority.configuration;
  return {
    ...common,
    type: "adcs-cli",
    caName: configuration["ca-name"],
    certificateTemplate: configuration["certificate-template"],
    certreqPath: configuration["certreq-path"],
    certutilPath: configuration["certutil-path"],
    defaultTimeoutMs: configuration["default-timeout"],
  };
}

/** The keys of each nesting level, for CONFIG_KEYS (`[]`: the items of a list). */
export const AUTHORITY_KEYS = {
  "authorities[]": Object.keys(authorityShape),
  "authorities[].configuration": [...new Set([...Object.keys(adcsCliShape), ...Object.keys(adcsCertsrvShape), ...Object.keys(localShape)])],
  "policy-bindings[]": Object.keys(bindingShape),
} as const;
