/** Input that cannot become DER (a malformed OID, a non-ASCII IA5String…). */
export class DerEncodingError extends Error {
  override readonly name = "DerEncodingError";
}

/** Bytes that are not the DER structure the reader expected. */
export class DerDecodingError extends Error {
  override readonly name = "DerDecodingError";
}
