// Apple's App Store Server Library for Node, pointed at appstore-sandbox.
//
//   npm ci --prefix examples/node
//   eval "$(appstore-sandbox env --shell)"
//   node examples/node/check-sandbox.mjs
//
// It receives a test notification on a loopback port of its own, verifies what the sandbox signed
// with Apple's SignedDataVerifier, and reads it back through Apple's API. One line per step; the
// exit status is 1 when a step fails.

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { once } from "node:events";

import {
  APIException,
  AppStoreServerAPIClient,
  Environment,
  NotificationTypeV2,
  SendAttemptResult,
  SignedDataVerifier,
  VerificationException,
  VerificationStatus,
} from "@apple/app-store-server-library";

const WAIT_MS = 10_000;

function setting(name) {
  const value = process.env[`APPSTORE_SANDBOX_${name}`];
  if (!value) {
    throw new Error(`APPSTORE_SANDBOX_${name} is not set: eval "$(appstore-sandbox env --shell)"`);
  }
  return value;
}

function step(name, detail) {
  console.log(`ok    ${name.padEnd(26)} ${detail}`);
}

function sandboxClient() {
  const client = new AppStoreServerAPIClient(
    readFileSync(setting("KEY_FILE"), "utf8"),
    setting("KEY_ID"),
    setting("ISSUER_ID"),
    setting("BUNDLE_ID"),
    Environment.SANDBOX,
  );
  // The constructor picks Apple's URL for the environment and offers no other; `urlBase` is
  // private only to TypeScript, so the sandbox's URL replaces it here.
  client.urlBase = setting("SANDBOX_URL");
  return client;
}

function sandboxVerifier() {
  const root = readFileSync(setting("ROOT_CERTIFICATE_FILE"));
  // Online checks off: the sandbox's certificates name no OCSP responder.
  return new SignedDataVerifier([root], false, Environment.SANDBOX, setting("BUNDLE_ID"));
}

/** A notification receiver on a free loopback port; `next()` resolves with the next body. */
async function startReceiver() {
  const bodies = [];
  const waiting = [];
  const server = createServer(async (request, response) => {
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    response.writeHead(200).end();
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const resolve = waiting.shift();
    if (resolve) resolve(body);
    else bodies.push(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const next = () =>
    bodies.length > 0
      ? Promise.resolve(bodies.shift())
      : withTimeout(new Promise((resolve) => waiting.push(resolve)), "no notification arrived");
  return { url: `http://127.0.0.1:${server.address().port}`, next, close: () => server.close() };
}

function withTimeout(promise, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** App Store Connect keeps notification URLs; the sandbox's control surface stands in for it. */
async function control(method, path, body) {
  const token = process.env.APPSTORE_SANDBOX_ADMIN_TOKEN; // only for a sandbox started with one
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const address = `${setting("CONTROL_URL")}/apps/${setting("BUNDLE_ID")}${path}`;
  const response = await fetch(address, { method, headers, body: JSON.stringify(body) });
  if (!response.ok) {
    throw new Error(`${method} ${address}: ${response.status} ${await response.text()}`);
  }
  return response.json();
}

/** Get Test Notification Status once its first send attempt is recorded. */
async function attemptedStatus(client, token) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const status = await client.getTestNotificationStatus(token);
    if (status.sendAttempts?.length) return status;
    if (Date.now() > deadline) throw new Error(`no send attempt recorded within ${WAIT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

/** Runs `steps` with the app's sandbox notification URL set to `url`, then restores it. */
async function withNotificationUrl(url, steps) {
  const { sandbox: previous = null } = await control("GET", "/notification-urls");
  await control("PUT", "/notification-urls/sandbox", { url });
  step("notification URL", url);
  try {
    await steps();
  } finally {
    await control("PUT", "/notification-urls/sandbox", { url: previous });
  }
}

async function checkTestNotification(client, verifier, receiver) {
  const { testNotificationToken } = await client.requestTestNotification();
  step("requestTestNotification", `token ${testNotificationToken}`);

  const { signedPayload } = await receiver.next();
  const received = await verifier.verifyAndDecodeNotification(signedPayload);
  expect(received.notificationType === NotificationTypeV2.TEST, `got ${received.notificationType}`);
  step("receiver verified", `${received.notificationType} ${received.notificationUUID}`);

  const status = await attemptedStatus(client, testNotificationToken);
  const fromStatus = await verifier.verifyAndDecodeNotification(status.signedPayload);
  expect(fromStatus.notificationUUID === received.notificationUUID, "status: another notification");
  const result = status.sendAttempts[0].sendAttemptResult;
  expect(result === SendAttemptResult.SUCCESS, `first attempt: ${result}`);
  step("getTestNotificationStatus", `verified, first attempt ${result}`);
  return received;
}

async function checkHistory(client, verifier, { notificationUUID, signedDate }) {
  // Around its signedDate, which is sandbox time: `appstore-sandbox clock advance` moves that.
  const request = {
    startDate: signedDate - 60_000,
    endDate: signedDate + 60_000,
    notificationType: NotificationTypeV2.TEST,
  };
  let verified = 0;
  let page = { hasMore: true };
  while (page.hasMore) {
    page = await client.getNotificationHistory(page.paginationToken, request);
    for (const item of page.notificationHistory ?? []) {
      const decoded = await verifier.verifyAndDecodeNotification(item.signedPayload);
      verified += 1;
      if (decoded.notificationUUID === notificationUUID) {
        step("getNotificationHistory", `found it, ${verified} signed payloads verified`);
        return;
      }
    }
  }
  throw new Error(`the test notification is not among ${verified} in the history`);
}

/** Configure, read back and restore the realtime URL (Retention Messaging). */
async function checkRealtimeUrl(client, realtimeURL) {
  const previous = await client.getRealtimeURL().then(
    (response) => response.realtimeURL,
    (error) => {
      if (error instanceof APIException && error.httpStatusCode === 404) return null;
      throw error;
    },
  );
  await client.configureRealtimeURL({ realtimeURL });
  const configured = (await client.getRealtimeURL()).realtimeURL;
  expect(configured === realtimeURL, `getRealtimeURL answered ${configured}`);
  step("configureRealtimeURL", `${realtimeURL}, read back with getRealtimeURL`);
  if (previous === null) await client.deleteRealtimeURL();
  else await client.configureRealtimeURL({ realtimeURL: previous });
  step(previous === null ? "deleteRealtimeURL" : "configureRealtimeURL", "restored");
}

async function check(receiver) {
  const client = sandboxClient();
  const verifier = sandboxVerifier();
  await withNotificationUrl(`${receiver.url}/notifications`, async () => {
    const notification = await checkTestNotification(client, verifier, receiver);
    await checkHistory(client, verifier, notification);
  });
  await checkRealtimeUrl(client, `${receiver.url}/retention`);
}

/** The library's exceptions carry no message: say what they hold. */
function describe(error) {
  if (error instanceof APIException) {
    const apple = error.apiError ? `, errorCode ${error.apiError}: ${error.errorMessage}` : "";
    return `HTTP ${error.httpStatusCode}${apple}`;
  }
  if (error instanceof VerificationException) {
    const cause = error.cause ? `: ${error.cause.message}` : "";
    return `verification failed, ${VerificationStatus[error.status]}${cause}`;
  }
  const cause = error.cause?.message ? ` (${error.cause.message})` : "";
  return `${error.message ?? error}${cause}`;
}

const receiver = await startReceiver();
try {
  await check(receiver);
  console.log("PASS");
} catch (error) {
  console.error(`FAIL  ${describe(error)}`);
  process.exitCode = 1;
} finally {
  receiver.close();
}
