/** The order aggregate (orders, their authorizations and challenges, the certificate): commands, deciders, evolver. */
export * from "./caa-freshness.js";
export * from "./commands.js";
export * from "./decide.js";
export * from "./expiry.js";
export * from "./identifiers.js";
export * from "./new-order.js";
export * from "./state.js";
