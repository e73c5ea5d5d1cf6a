// Apple's Node client on a host whose clock runs SKEW_MS ahead of the sandbox's: it reads the
// subscription ORIGINAL_TRANSACTION_ID and prints one JSON line, {"status", "reason"}.
//
// The library comes from examples/node (npm ci --prefix examples/node). Its tokens carry iat,
// stamped from Date.now(), which is moved here before anything signs.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(new URL("../../../examples/node/package.json", import.meta.url));
const { AppStoreServerAPIClient, APIException, Environment } = require(
  "@apple/app-store-server-library",
);

const skew = Number(process.env.SKEW_MS);
const realNow = Date.now;
Date.now = () => realNow() + skew;

const env = (name) => process.env[`APPSTORE_SANDBOX_${name}`];
const client = new AppStoreServerAPIClient(
  readFileSync(env("KEY_FILE"), "utf8"),
  env("KEY_ID"),
  env("ISSUER_ID"),
  env("BUNDLE_ID"),
  Environment.SANDBOX,
);
client.urlBase = env("SANDBOX_URL");

try {
  await client.getAllSubscriptionStatuses(process.env.ORIGINAL_TRANSACTION_ID);
  console.log(JSON.stringify({ status: 200, reason: null }));
} catch (error) {
  if (!(error instanceof APIException)) throw error;
  // The library keeps no headers: the same token once more, to read the sandbox's reason.
  const response = await fetch(
    `${env("SANDBOX_URL")}/inApps/v1/subscriptions/${process.env.ORIGINAL_TRANSACTION_ID}`,
    { headers: { Authorization: `Bearer ${client.createBearerToken()}` } },
  );
  const reason = response.headers.get("www-authenticate");
  console.log(JSON.stringify({ status: error.httpStatusCode, reason }));
}
