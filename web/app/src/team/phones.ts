// Phone numbers as a person types them in a form.

/** Phone numbers as typed, separated by commas or new lines. */
export function phoneList(text: string): string[] {
  return text.split(/[,\n]/).map((phone) => phone.trim()).filter(Boolean);
}
