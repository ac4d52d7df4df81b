// The typed API client: paths, parameters and answers come from the OpenAPI document the server
// publishes (schema.d.ts, generated at build time), so a changed API fails `tsc`, not the person.
import createClient from "openapi-fetch";
import type { paths } from "./schema";
import { appFetch } from "./fetch";
import { problemFrom } from "./problem";

/** Requests go to the server the page came from, whatever it is when the request is made. */
class PageRequest extends Request {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === "string" ? new URL(input, window.location.href) : input, init);
  }
}

export const api = createClient<paths>({ fetch: appFetch, Request: PageRequest });

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The answer's data, or the ApiError its problem+json stands for (for react-query). */
export async function must<T>(pending: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await pending;
  if (!response.ok) throw problemFrom(response, error);
  return data as T;
}
