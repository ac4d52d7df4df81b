// Copies a link or a secret, and says it did (the clipboard needs a secure page or localhost).
import { useState } from "react";

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState<"" | "copied" | "failed">("");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setDone("copied");
    } catch {
      setDone("failed");
    }
  };
  return (
    <>
      <button type="button" className="secondary outline" onClick={() => void copy()}>
        {label}
      </button>{" "}
      <span role="status">
        {done === "copied" ? "Copied." : done === "failed" ? "Select the text and copy it by hand." : ""}
      </span>
    </>
  );
}
