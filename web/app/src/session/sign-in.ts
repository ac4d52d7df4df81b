// Signing in and out, as the pages and the re-sign-in dialog do it.
import { api, must } from "../api/client";
import type { Me } from "../api/types";

export function signIn(email: string, password: string): Promise<Me> {
  return must(api.POST("/v1/auth/sign-in", { body: { email, password } }));
}

export function operatorSignIn(token: string): Promise<Me> {
  return must(api.POST("/v1/auth/operator-sign-in", { body: { token } }));
}

export async function signOut(everywhere = false): Promise<void> {
  await must(api.POST(everywhere ? "/v1/auth/sign-out-everywhere" : "/v1/auth/sign-out"));
}
