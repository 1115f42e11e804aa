/** The `adcs-certsrv` certificate authority: AD CS through the Web Enrollment pages (adcs.md §3). */
export { type AdcsCertsrvAuthority, openAdcsCertsrvAuthority } from "./adcs-certsrv-authority.js";
export { type AdcsCertsrvAuthorityOptions, type PasswordSource } from "./options.js";
export type { CertsrvAuth } from "./http-client.js";
