/** The account aggregate: commands, the pure decider and the evolver that folds its stream. */
export * from "./commands.js";
export * from "./contact.js";
export * from "./decide.js";
export * from "./state.js";
