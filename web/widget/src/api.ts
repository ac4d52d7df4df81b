// Hard-E's HTTP endpoints as the widget uses them. Every refusal is problem+json whose `detail` is
// written for the person in front of the widget, so the panel shows it as it is.

export class Refused extends Error {
  constructor(readonly status: number, readonly type: string, readonly detail: string) {
    super(detail);
  }
}

interface ToolEvent {
  tool: string;
  status: string;
  summary?: string;
  action_id?: string | null;
}

export class ServerApi {
  constructor(private readonly server: string, private readonly token: string) {}

  url(path: string): string {
    return this.server.replace(/\/$/, "") + path;
  }

  headers(): Record<string, string> {
    return { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" };
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.url(path), {
      method,
      headers: this.headers(),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const found = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail =
        typeof found.detail === "string" ? found.detail : `Hard-E answered ${response.status}; try again.`;
      throw new Refused(response.status, String(found.type ?? ""), detail);
    }
    return found as T;
  }

  start(): Promise<{ sessionId: string; iceConfig: { iceServers: RTCIceServer[] } }> {
    return this.request("POST", "/start");
  }

  /** Why a browser-call session ended or failed, when the server knows a reason worth showing. */
  async sessionReason(sessionId: string): Promise<string> {
    try {
      const found = await this.request<{ state: string; reason: string }>("GET", `/sessions/${sessionId}`);
      return found.state === "failed" ? found.reason : "";
    } catch (error) {
      return error instanceof Refused && error.status === 401 ? error.detail : "";
    }
  }

  async startConversation(): Promise<string> {
    return (await this.request<{ id: string }>("POST", "/v1/conversations")).id;
  }

  send(conversationId: string, text: string): Promise<{ reply: string; events: ToolEvent[] }> {
    return this.request("POST", `/v1/conversations/${conversationId}/messages`, { text });
  }
}
