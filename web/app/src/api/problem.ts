// Every refusal from Hard-E's API is problem+json whose `detail` is written for a person; the app
// shows it as it is, and adds what to do next where the kind of problem says more than the words.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly retryAfter: number | null = null,
  ) {
    super(detail || title);
  }

  /** The problem's short name: the last part of its `type` URI, e.g. `invite-expired`. */
  get slug(): string {
    return this.type.split("/").pop() ?? "";
  }
}

/** The network is down or the server did not answer: nothing reached Hard-E. */
export class NetworkError extends Error {
  constructor() {
    super("Hard-E can't be reached. Check your internet connection, then try again; what you typed is kept.");
  }
}

interface ProblemBody {
  type?: unknown;
  title?: unknown;
  detail?: unknown;
  errors?: unknown;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** The ApiError a failed response stands for (its body already read as `body`). */
export function problemFrom(response: Response, body: unknown): ApiError {
  const found = (body && typeof body === "object" ? body : {}) as ProblemBody;
  const retry = Number(response.headers.get("Retry-After"));
  let detail = text(found.detail);
  if (!detail && Array.isArray(found.detail)) {
    detail = found.detail.map((item) => text((item as { msg?: unknown }).msg)).join("; ");
  }
  return new ApiError(
    response.status,
    text(found.type),
    text(found.title) || `Hard-E answered ${response.status}`,
    detail || `Hard-E answered ${response.status} ${response.statusText}; try again in a moment.`,
    Number.isFinite(retry) && retry > 0 ? retry : null,
  );
}

/** What to do next, for the kinds of problem where the words alone do not say it. */
export function nextStep(error: unknown): string {
  if (error instanceof NetworkError) return "";
  if (!(error instanceof ApiError)) return "Reload the page and try again.";
  if (error.retryAfter) return `Try again in ${Math.ceil(error.retryAfter)} seconds.`;
  if (error.status === 403) return "Ask your company's owner or a manager if you need this.";
  if (error.status >= 500) return "Try again in a moment; if it keeps happening, tell your Hard-E contact.";
  return "";
}
