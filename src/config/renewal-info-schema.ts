/**
 * The `renewal-info` section: how the ACME Renewal Information window is placed (RFC 9773,
 * behaviour reference §2.5). The window starts `lifetime-fraction` of the way through a
 * certificate's life and lasts `window-width`; `retry-after` is how soon a client may ask again.
 */
import { DEFAULTS } from "./defaults.js";
import { describeValue } from "./errors.js";
import { duration, optionalField } from "./fields.js";
import type { Check } from "./fields.js";

const DECIMAL = /^(?:\d+(?:\.\d*)?|\.\d+)$/;
const FRACTION = /^(\d+)\s*\/\s*(\d+)$/;

/**
 * `2/3` or `0.6667`, strictly between 0 and 1: at 0 clients would renew at once, at 1 only when
 * the certificate has already expired. Before 0.9.4 the product silently ignored decimals; both
 * spellings are honoured here.
 */
export const lifetimeFraction: Check<number> = (value) => {
  let fraction: number | undefined;
  if (typeof value === "number") {
    fraction = value;
  } else if (typeof value === "string") {
    const text = value.trim();
    const parts = FRACTION.exec(text);
    if (parts !== null) {
      const denominator = Number(parts[2]);
      fraction = denominator === 0 ? undefined : Number(parts[1]) / denominator;
    } else if (DECIMAL.test(text)) {
      fraction = Number(text);
    }
  }
  if (fraction !== undefined && Number.isFinite(fraction) && fraction > 0 && fraction < 1) {
    return { ok: true, value: fraction };
  }
  return `expected a fraction strictly between 0 and 1 such as 2/3 or 0.6667, got ${describeValue(value)}`;
};

export const renewalInfoShape = {
  "lifetime-fraction": optionalField(lifetimeFraction, DEFAULTS.renewalInfo.lifetimeFraction),
  // An explicit 0 is refused for both since 0.9.4 (behaviour reference §4.1).
  "window-width": optionalField(
    duration({ allowZero: false, zeroReason: "an explicit 0 is refused: the renewal window would be empty" }),
    DEFAULTS.renewalInfo.windowWidthMs,
  ),
  "retry-after": optionalField(
    duration({ allowZero: false, zeroReason: "an explicit 0 is refused: clients would poll renewal-info without pause" }),
    DEFAULTS.renewalInfo.retryAfterMs,
  ),
};
