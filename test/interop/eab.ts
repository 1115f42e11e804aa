/**
 * External Account Binding (RFC 8555 §7.3.4) against a server started with
 * `acme: {external-account-binding: required}`: the directory says so (lego and certbot then
 * refuse to register without a binding), and lego and certbot register with a key made by
 * `certeasy eab create`, then get a certificate.
 */
import { certbot } from "./certbot.js";
import type { InteropContext } from "./context.js";
import { lego } from "./lego.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";

export interface EabCredentials {
  readonly keyId: string;
  readonly hmacKey: string;
}

/** The key id and HMAC key `certeasy eab create` prints (once). */
export function parseCreatedEabKey(stdout: string): EabCredentials | null {
  const keyId = /^\s*key id:\s*(\S+)\s*$/m.exec(stdout)?.[1];
  const hmacKey = /^\s*HMAC key:\s*(\S+)\s*$/m.exec(stdout)?.[1];
  return keyId === undefined || hmacKey === undefined ? null : { keyId, hmacKey };
}

export async function createEabKey(context: InteropContext, note: string): Promise<EabCredentials> {
  const result = await context.server.cli("eab", "create", "--note", note);
  const credentials = result.code === 0 ? parseCreatedEabKey(result.stdout) : null;
  if (credentials === null) throw new ScenarioFailure("certeasy eab create did not print a key id and an HMAC key", tail(result.stdout + result.stderr, 10));
  return credentials;
}

export function eabScenarios(context: InteropContext): Scenario[] {
  const http = ["--http", "--http.port", `127.0.0.1:${context.ports.http01}`];
  const p256 = { type: "ec", curve: "prime256v1" } as const;
  return [
    {
      // lego reads meta.externalAccountRequired (RFC 8555 §7.1.1) and stops before newAccount.
      name: "EAB required: lego without a binding stops at the directory's externalAccountRequired",
      run: async () => {
        const client = lego(context, { folder: "lego-no-eab" });
        const result = await client.run(["-d", "no-eab.lego.test", ...http, "run"]);
        const output = result.stdout + result.stderr;
        if (result.code === 0) throw new ScenarioFailure("lego registered without External Account Binding", tail(output, 10));
        if (!output.includes("Server requires External Account Binding")) {
          throw new ScenarioFailure("lego failed, but not because the server requires External Account Binding", tail(output, 10));
        }
      },
    },
    {
      name: "EAB required: certbot without a binding stops at the directory's externalAccountRequired",
      run: async () => {
        const client = await certbot(context, "certbot-no-eab");
        const result = await client.issue("certbot-no-eab", ["no-eab.certbot.test"], ["--key-type", "ecdsa"]);
        const output = result.stdout + result.stderr;
        if (result.code === 0) throw new ScenarioFailure("certbot registered without External Account Binding", tail(output, 10));
        if (!/requires external account binding/i.test(output)) {
          throw new ScenarioFailure("certbot failed, but not because the server requires External Account Binding", tail(output, 10));
        }
      },
    },
    {
      name: "EAB: lego --eab --kid --hmac issue",
      run: async () => {
        const { keyId, hmacKey } = await createEabKey(context, "interop lego");
        const client = lego(context, { folder: "lego-eab", accountArgs: ["--eab", "--kid", keyId, "--hmac", hmacKey] });
        requireSuccess(await client.run(["-d", "eab.lego.test", ...http, "run"]), "lego run with EAB");
        await client.check(["eab.lego.test"], p256);
      },
    },
    {
      name: "EAB: certbot --eab-kid --eab-hmac-key issue",
      run: async () => {
        const { keyId, hmacKey } = await createEabKey(context, "interop certbot");
        const client = await certbot(context, "certbot-eab");
        const names = ["eab.certbot.test"];
        // `=`: a base64url key may start with "-", which certbot's argparse takes for an option.
        requireSuccess(await client.issue("certbot-eab", names, ["--eab-kid", keyId, `--eab-hmac-key=${hmacKey}`, "--key-type", "ecdsa"]), "certbot certonly with EAB");
        await client.check("certbot-eab", names, p256);
      },
    },
  ];
}
