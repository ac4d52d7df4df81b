// One document upload with progress. fetch() cannot report how much of a body has been sent, so
// this is the one request the app makes with XMLHttpRequest; it follows the same rules as the
// typed client (same-origin cookie, CSRF header, sign in again on 401, problem+json refusals).
import { SHORT_WAIT_SECS } from "../api/fetch";
import { ApiError, NetworkError, problemFrom } from "../api/problem";
import { askToSignInAgain, currentCsrfToken } from "../api/session-bridge";
import type { AnswerOf } from "../api/types";

export type Uploaded = AnswerOf<"/v1/tenants/{tenant_id}/knowledge", "post">;
export type Upload = (file: File, onProgress: (fraction: number) => void) => Promise<Uploaded>;

function sendOnce(url: string, file: File, onProgress: (fraction: number) => void): Promise<Uploaded> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", url);
    request.setRequestHeader("X-CSRF-Token", currentCsrfToken());
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onerror = () => reject(new NetworkError());
    request.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = null;
      }
      if (request.status >= 200 && request.status < 300) {
        resolve(body as Uploaded);
        return;
      }
      const headers = new Headers();
      const retry = request.getResponseHeader("Retry-After");
      if (retry) headers.set("Retry-After", retry);
      reject(problemFrom(new Response(null, { status: request.status, statusText: request.statusText, headers }), body));
    };
    const form = new FormData();
    form.append("file", file, file.name);
    request.send(form);
  });
}

/** As the typed client does: a short rate-limit wait is waited out, once, then sent again. */
async function sendPatiently(url: string, file: File, onProgress: (fraction: number) => void): Promise<Uploaded> {
  try {
    return await sendOnce(url, file, onProgress);
  } catch (error) {
    const wait = error instanceof ApiError && error.status === 429 ? (error.retryAfter ?? 0) : 0;
    if (!(wait > 0 && wait <= SHORT_WAIT_SECS)) throw error;
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    return sendOnce(url, file, onProgress);
  }
}

export function uploadTo(tenantId: string): Upload {
  const url = `/v1/tenants/${encodeURIComponent(tenantId)}/knowledge`;
  return async (file, onProgress) => {
    try {
      return await sendPatiently(url, file, onProgress);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) throw error;
      if ((await askToSignInAgain()) === null) throw error;
      return sendPatiently(url, file, onProgress);
    }
  };
}
