// Names for the answers the app uses, taken from the generated OpenAPI types by path and method,
// so they follow the server's models whatever those are called.
import type { paths } from "./schema";

type Json<R> = R extends { content: { "application/json": infer T } } ? T : never;
type Success<Op> = Op extends { responses: infer Rs }
  ? Json<Rs[Extract<keyof Rs, 200 | 201>]>
  : never;

/** The JSON a successful `method` on `path` answers. */
export type AnswerOf<P extends keyof paths, M extends keyof paths[P]> = Success<paths[P][M]>;
/** The JSON body `method` on `path` takes. */
export type BodyOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;

export type Me = AnswerOf<"/v1/auth/me", "get">;
export type Tenant = AnswerOf<"/v1/tenants/{tenant_id}", "get">;
export type User = AnswerOf<"/v1/tenants/{tenant_id}/users/{user_id}", "get">;
export type Role = User["role"];
export type Scope = Me["permissions"][number];
