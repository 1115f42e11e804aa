/** The `adcs-cli` certificate authority: AD CS through certreq.exe / certutil.exe (adcs.md §2). */
export { type AdcsCliAuthority, openAdcsCliAuthority } from "./adcs-cli-authority.js";
export { AdcsConfigError, AdcsRequestError } from "./errors.js";
export { type AdcsCliAuthorityOptions, DEFAULT_ADCS_TIMEOUT_MS } from "./options.js";
export { describeHresult, explainHresult, type FoundHresult } from "./hresult.js";
