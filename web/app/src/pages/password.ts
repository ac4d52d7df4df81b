// The password rule the server enforces (at least 10 characters), checked before sending so the
// person hears about it at once; the server's answer still decides.
export const MIN_PASSWORD = 10;

export function passwordProblem(password: string, again: string): string | null {
  if (password.length < MIN_PASSWORD) return `Your password needs at least ${MIN_PASSWORD} characters.`;
  if (password !== again) return "The two passwords are different; type the same one twice.";
  return null;
}
