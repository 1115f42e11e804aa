/**
 * The vendor's Ed25519 public key, built into Certeasy (behaviour reference §8.1: "verified
 * offline against a public key embedded in the binary"). Production licenses are signed with its
 * private half, which the vendor keeps offline: it is not in this repository or anywhere a build
 * can reach. Private builds and tests add their own keys with `license.public-keys`.
 */
export const VENDOR_LICENSE_PUBLIC_KEY_PEM = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEARKrlzBsGKO0Ao0Xe5nzjWx7LsKZxyuFVxDV4Pb9LQRE=
-----END PUBLIC KEY-----
`;
