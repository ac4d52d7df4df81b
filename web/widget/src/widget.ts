// The Hard-E panel: a microphone button with clear states, the live transcript of both sides,
// tool activity, a confirmation card for pending changes, typed input, mute and hang-up, and
// plain-words messages when something stands in the way. Framework-free; one panel per page.

import { PipecatClient } from "@pipecat-ai/client-js";
import { SmallWebRTCTransport, WavMediaManager } from "@pipecat-ai/small-webrtc-transport";
import { CSS } from "./style";
import { ServerApi, Refused } from "./api";

export type CallState = "idle" | "connecting" | "listening" | "thinking" | "speaking";

export interface WidgetOptions {
  token: string;
  server: string; // where Hard-E is served, e.g. https://hard-e.example.com
  floating?: boolean; // the embed: a corner panel opened by a button
}

const STATE_WORDS: Record<CallState, string> = {
  idle: "Press the microphone to talk to Hard-E",
  connecting: "Connecting…",
  listening: "Listening",
  thinking: "Thinking…",
  speaking: "Speaking",
};

const MESSAGES = {
  micDenied:
    "Your browser is blocking the microphone, so Hard-E can't hear you. Allow the microphone for " +
    "this site (the icon in the address bar), then press the microphone again.",
  noMic: "No microphone was found. Plug one in (or pick one in your system settings) and try again.",
  lost: "The connection dropped. Reconnecting…",
  lostForGood:
    "Lost the connection to Hard-E. Check your network, then press the microphone to call again.",
  noToken: "This page needs a link with a Hard-E token. Ask your company's admin for one.",
};

const YES = "Yes, go ahead.";
const NO = "No, cancel that.";

interface ToolEvent {
  tool: string;
  status: string;
  summary?: string;
  action_id?: string | null;
}

export class HardEWidget {
  private readonly api: ServerApi;
  private client: PipecatClient | null = null;
  private state: CallState = "idle";
  private hangingUp = false;
  private reconnected = false;
  private conversationId: string | null = null;
  private readonly el: Record<string, HTMLElement> = {};

  constructor(private readonly root: HTMLElement, private readonly options: WidgetOptions) {
    this.api = new ServerApi(options.server, options.token);
    this.render();
    if (!options.token) this.notice(MESSAGES.noToken);
  }

  // --- the call -----------------------------------------------------------------------------

  async call(): Promise<void> {
    if (this.client || !this.options.token) return;
    this.notice("");
    this.setState("connecting");
    if (!(await this.microphoneAllowed())) {
      this.setState("idle");
      return;
    }
    let session: { sessionId: string; iceConfig: { iceServers: RTCIceServer[] } };
    try {
      session = await this.api.start();
    } catch (error) {
      this.setState("idle");
      this.notice(error instanceof Refused ? error.detail : MESSAGES.lostForGood);
      return;
    }
    const client = new PipecatClient({
      transport: new SmallWebRTCTransport({ mediaManager: new WavMediaManager() }),
      enableMic: true,
      enableCam: false,
      callbacks: {
        onBotReady: () => this.setState("listening"),
        onUserStartedSpeaking: () => this.setState("listening"),
        onUserStoppedSpeaking: () => this.setState("thinking"),
        onBotStartedSpeaking: () => this.setState("speaking"),
        onBotStoppedSpeaking: () => this.setState("listening"),
        onServerMessage: (data: unknown) => this.serverMessage(data),
        onTrackStarted: (track, participant) => {
          if (track.kind === "audio" && !participant?.local) this.play(track);
        },
        onDisconnected: () => void this.ended(session.sessionId),
      },
    });
    this.client = client;
    this.hangingUp = false;
    this.el.hangUp.hidden = false;
    this.el.mute.hidden = false;
    try {
      await client.connect({
        webrtcRequestParams: {
          endpoint: this.api.url(`/sessions/${session.sessionId}/api/offer`),
          headers: new Headers(this.api.headers()),
        },
        iceConfig: session.iceConfig,
      });
    } catch {
      await this.ended(session.sessionId);
    }
  }

  async hangUp(): Promise<void> {
    this.hangingUp = true;
    await this.client?.disconnect();
  }

  private async ended(sessionId: string): Promise<void> {
    if (!this.client) return;
    this.client = null;
    this.setState("idle");
    this.el.hangUp.hidden = true;
    this.el.mute.hidden = true;
    this.el.mute.setAttribute("aria-pressed", "false");
    this.el.mute.textContent = "Mute";
    if (this.hangingUp) return;
    const why = await this.api.sessionReason(sessionId);
    if (why) {
      this.notice(why);
    } else if (!this.reconnected) {
      this.reconnected = true;
      this.notice(MESSAGES.lost);
      await this.call();
      if (this.client) this.reconnected = false;
    } else {
      this.notice(MESSAGES.lostForGood);
    }
  }

  private async microphoneAllowed(): Promise<boolean> {
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      stream.getTracks().forEach((track) => track.stop());
      return true;
    } catch (error) {
      const name = error instanceof DOMException ? error.name : "";
      this.notice(name === "NotFoundError" ? MESSAGES.noMic : MESSAGES.micDenied);
      return false;
    }
  }

  private play(track: MediaStreamTrack): void {
    const audio = this.el.audio as HTMLAudioElement;
    audio.srcObject = new MediaStream([track]);
    void audio.play().catch(() => undefined);
  }

  private toggleMute(): void {
    if (!this.client) return;
    const muted = this.el.mute.getAttribute("aria-pressed") !== "true";
    this.client.enableMic(!muted);
    this.el.mute.setAttribute("aria-pressed", String(muted));
    this.el.mute.textContent = muted ? "Unmute" : "Mute";
  }

  // --- what the server tells us ---------------------------------------------------------------

  private serverMessage(data: unknown): void {
    const message = data as { kind?: string; role?: string; text?: string } & ToolEvent;
    if (message.kind === "line" && message.text) {
      this.line(message.role === "caller" ? "you" : "hard-e", message.text);
    } else if (message.kind === "tool") {
      this.toolEvent(message);
    }
  }

  private toolEvent(event: ToolEvent): void {
    const words = event.tool.replace(/_/g, " ");
    const status: Record<string, string> = {
      ok: "done",
      pending: "waiting for your yes",
      confirmed: "done",
      cancelled: "cancelled",
      undone: "undone",
      refused: "not allowed",
      error: "failed",
      unavailable: "unavailable",
    };
    this.line("tool", `${words}: ${event.summary || status[event.status] || event.status}`);
    if (event.status === "pending" && event.action_id) {
      this.showConfirmation(event.summary || words);
    } else if (["confirmed", "cancelled", "refused", "error"].includes(event.status)) {
      this.el.card.hidden = true;
    }
  }

  private showConfirmation(summary: string): void {
    this.el.cardText.textContent = summary;
    this.el.card.hidden = false;
    (this.el.confirm as HTMLButtonElement).focus();
  }

  private async answerConfirmation(yes: boolean): Promise<void> {
    this.el.card.hidden = true;
    await this.say(yes ? YES : NO);
  }

  // --- typed input ----------------------------------------------------------------------------

  private async say(text: string): Promise<void> {
    this.line("you", text);
    if (this.client) {
      await this.client.sendText(text); // into the call: same session, same policy as saying it
      return;
    }
    try {
      if (!this.conversationId) this.conversationId = await this.api.startConversation();
      const answer = await this.api.send(this.conversationId, text);
      for (const event of answer.events) this.toolEvent(event);
      this.line("hard-e", answer.reply);
    } catch (error) {
      this.notice(error instanceof Refused ? error.detail : MESSAGES.lostForGood);
    }
  }

  // --- the panel ------------------------------------------------------------------------------

  private setState(state: CallState): void {
    this.state = state;
    const mic = this.el.mic;
    mic.dataset.state = state;
    mic.setAttribute("aria-pressed", String(state !== "idle"));
    mic.setAttribute("aria-label", state === "idle" ? "Start talking to Hard-E" : STATE_WORDS[state]);
    this.el.status.textContent = STATE_WORDS[state];
    this.root.dataset.state = state;
  }

  private notice(text: string): void {
    this.el.notice.textContent = text;
    this.el.notice.hidden = !text;
  }

  private line(who: "you" | "hard-e" | "tool", text: string): void {
    const item = document.createElement("li");
    item.className = `hde-line hde-${who}`;
    const label = document.createElement("span");
    label.className = "hde-who";
    label.textContent = who === "you" ? "You" : who === "hard-e" ? "Hard-E" : "Activity";
    item.append(label, document.createTextNode(text));
    this.el.transcript.append(item);
    item.scrollIntoView({ block: "nearest" });
  }

  private render(): void {
    const style = document.createElement("style");
    style.textContent = CSS;
    const panel = document.createElement("section");
    panel.className = "hde-panel";
    panel.setAttribute("aria-label", "Talk to Hard-E");
    panel.innerHTML = `
      <header class="hde-head"><strong>Hard-E</strong><span class="hde-status" role="status"></span></header>
      <p class="hde-notice" role="alert" hidden></p>
      <ol class="hde-transcript" aria-live="polite" aria-label="Conversation"></ol>
      <div class="hde-card" role="group" aria-label="Change waiting for your confirmation" hidden>
        <p class="hde-card-text"></p>
        <button type="button" class="hde-confirm">Confirm</button>
        <button type="button" class="hde-cancel">Cancel</button>
      </div>
      <div class="hde-controls">
        <button type="button" class="hde-mic" aria-pressed="false">🎤</button>
        <button type="button" class="hde-mute" aria-pressed="false" hidden>Mute</button>
        <button type="button" class="hde-hangup" hidden>Hang up</button>
      </div>
      <form class="hde-type"><label class="hde-sr" for="hde-text">Type a message</label>
        <input id="hde-text" name="text" autocomplete="off" placeholder="Or type here…" maxlength="4000">
        <button type="submit">Send</button></form>
      <audio class="hde-audio" autoplay></audio>`;
    const find = (selector: string): HTMLElement => panel.querySelector(selector) as HTMLElement;
    Object.assign(this.el, {
      status: find(".hde-status"),
      notice: find(".hde-notice"),
      transcript: find(".hde-transcript"),
      card: find(".hde-card"),
      cardText: find(".hde-card-text"),
      confirm: find(".hde-confirm"),
      mic: find(".hde-mic"),
      mute: find(".hde-mute"),
      hangUp: find(".hde-hangup"),
      audio: find(".hde-audio"),
    });
    this.el.mic.addEventListener("click", () => void (this.state === "idle" ? this.call() : this.hangUp()));
    this.el.mute.addEventListener("click", () => this.toggleMute());
    this.el.hangUp.addEventListener("click", () => void this.hangUp());
    this.el.confirm.addEventListener("click", () => void this.answerConfirmation(true));
    find(".hde-cancel").addEventListener("click", () => void this.answerConfirmation(false));
    const form = find(".hde-type") as HTMLFormElement;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = form.elements.namedItem("text") as HTMLInputElement;
      const text = input.value.trim();
      input.value = "";
      if (text) void this.say(text);
    });
    this.root.classList.add("hde-root");
    if (this.options.floating) this.root.classList.add("hde-floating");
    this.root.replaceChildren(style, panel);
    this.setState("idle");
  }
}
