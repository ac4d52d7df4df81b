// The one fetch the typed client uses: same-origin cookies, the CSRF header on every change, and
// the recoveries a person would expect. A session that expired while a form was open asks the
// person to sign in again (a dialog over the form, which stays as typed) and then sends the same
// request once more; a lost network becomes a NetworkError that says what to do. A burst of
// requests (a page loading its parts) that meets the rate limit waits the short Retry-After the
// server names and goes again, rather than showing the person a refusal they did nothing to cause.
import { NetworkError } from "./problem";
import { askToSignInAgain, currentCsrfToken } from "./session-bridge";

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Answers where a 401 means "wrong credentials", not "the session ended". */
const SIGN_IN_PATHS = /\/v1\/auth\/(sign-in|operator-sign-in|me|password-links)|\/v1\/invites\/(redeem|lookup)/;

function withCsrf(request: Request): Request {
  if (UNSAFE.has(request.method)) request.headers.set("X-CSRF-Token", currentCsrfToken());
  return request;
}

/** The longest Retry-After waited for without asking the person; longer ones are shown. */
export const SHORT_WAIT_SECS = 5;
const RATE_LIMIT_RETRIES = 3;

async function sendOnce(request: Request): Promise<Response> {
  try {
    return await globalThis.fetch(request);
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new NetworkError();
  }
}

async function send(request: Request): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const last = attempt >= RATE_LIMIT_RETRIES;
    const response = await sendOnce(last ? request : request.clone());
    const wait = Number(response.headers.get("Retry-After"));
    if (last || response.status !== 429 || !(wait > 0 && wait <= SHORT_WAIT_SECS)) return response;
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

export async function appFetch(input: Request): Promise<Response> {
  const request = new Request(input, { credentials: "same-origin" });
  const again = request.clone(); // the body can be read once: keep a copy for the retry
  const response = await send(withCsrf(request));
  if (response.status !== 401 || SIGN_IN_PATHS.test(new URL(request.url).pathname)) return response;
  const token = await askToSignInAgain();
  if (token === null) return response;
  return send(withCsrf(again));
}
