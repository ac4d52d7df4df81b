// Entry point. Two ways in:
//  - the stand-alone page (`/widget`): mounts into #hard-e, the token from `?token=` (kept in
//    sessionStorage and taken out of the address bar);
//  - the one-line embed: <script src="https://HARD-E/widget/hard-e-widget.js" data-token="hdw_..."></script>
//    adds a corner panel to any page; the server is where the script came from;
//  - a page that has its own place for the panel (the web app) adds data-target="ELEMENT_ID" to
//    that line: the panel goes there, not in a corner.
import { HardEWidget } from "./widget";

const TOKEN_KEY = "hard-e-token";

function tokenFromPage(): string {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.toString());
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? "";
}

function boot(script: HTMLScriptElement | null): void {
  const server = script?.dataset.server ?? (script?.src ? new URL(script.src).origin : window.location.origin);
  const target = script?.dataset.target ? document.getElementById(script.dataset.target) : null;
  if (target) {
    (window as unknown as { hardE: HardEWidget }).hardE = new HardEWidget(target, {
      token: script?.dataset.token ?? "",
      server,
    });
    return;
  }
  const page = document.getElementById("hard-e");
  if (page) {
    (window as unknown as { hardE: HardEWidget }).hardE = new HardEWidget(page, { token: tokenFromPage(), server });
    return;
  }
  const corner = document.createElement("div");
  document.body.append(corner);
  (window as unknown as { hardE: HardEWidget }).hardE = new HardEWidget(corner, {
    token: script?.dataset.token ?? "",
    server,
    floating: true,
  });
}

const current = document.currentScript as HTMLScriptElement | null;
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => boot(current));
} else {
  boot(current);
}
