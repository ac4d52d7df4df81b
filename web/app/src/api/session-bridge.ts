// What the API client needs from the signed-in session, without importing React: the current
// CSRF token, and a way to ask the person to sign in again (the dialog registers itself here).

let csrfToken = "";
let reauthenticate: (() => Promise<string | null>) | null = null;

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export function currentCsrfToken(): string {
  return csrfToken;
}

/** The re-sign-in dialog: resolves with the new CSRF token, or null if the person gave up. */
export function onReauthenticate(handler: (() => Promise<string | null>) | null): void {
  reauthenticate = handler;
}

export function askToSignInAgain(): Promise<string | null> {
  return reauthenticate ? reauthenticate() : Promise.resolve(null);
}
