// Apple's Node SignedDataVerifier over what the sandbox signed. Reads a JSON array of
// {"kind": "notification" | "transaction" | "renewal", "jws": "..."} on standard input and prints
// a JSON array of the decoded payloads, or {"error": "..."} for each one that fails.
//
//   ROOT_CERTIFICATE_FILE=root.cer BUNDLE_ID=com.example.app node verify.mjs < signed.json

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("../../../examples/node/package.json", import.meta.url));
const { Environment, SignedDataVerifier } = require("@apple/app-store-server-library");

const verifier = new SignedDataVerifier(
  [readFileSync(process.env.ROOT_CERTIFICATE_FILE)],
  false, // online checks off: the sandbox's certificates name no OCSP responder
  Environment.SANDBOX,
  process.env.BUNDLE_ID,
);
const decode = {
  notification: (jws) => verifier.verifyAndDecodeNotification(jws),
  transaction: (jws) => verifier.verifyAndDecodeTransaction(jws),
  renewal: (jws) => verifier.verifyAndDecodeRenewalInfo(jws),
};

const items = JSON.parse(readFileSync(0, "utf8"));
const decoded = [];
for (const { kind, jws } of items) {
  try {
    decoded.push(await decode[kind](jws));
  } catch (error) {
    decoded.push({ error: `${error.status ?? ""} ${error.message ?? error}`.trim() });
  }
}
console.log(JSON.stringify(decoded));
