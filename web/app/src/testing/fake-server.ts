/// <reference types="node" />
// A stand-in for Hard-E's HTTP server on a real loopback port, for component tests: requests
// cross the wire as in the browser, and each test says how the "server" answers.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: Buffer;
}

export type Handler = (seen: Seen, response: ServerResponse) => void;

export interface FakeServer {
  origin: string;
  seen: Seen[];
  close: () => Promise<void>;
}

export async function fakeServer(handler: Handler): Promise<FakeServer> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    // jsdom's XMLHttpRequest keeps the test page's first origin, so the stand-in allows it (and
    // answers the preflight a custom header causes) as the same-origin server never needs to.
    response.setHeader("Access-Control-Allow-Origin", request.headers.origin ?? "*");
    response.setHeader("Access-Control-Allow-Credentials", "true");
    if (request.method === "OPTIONS") {
      response.writeHead(204, {
        "Access-Control-Allow-Methods": "GET, POST, PUT, PATCH, DELETE",
        "Access-Control-Allow-Headers": request.headers["access-control-request-headers"] ?? "",
      });
      response.end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry = { method: request.method ?? "", path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks) };
      seen.push(entry);
      handler(entry, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const type = status >= 400 ? "application/problem+json" : "application/json";
  response.writeHead(status, { "Content-Type": type, ...headers });
  response.end(JSON.stringify(body));
}

export function problem(response: ServerResponse, status: number, slug: string, detail: string, headers: Record<string, string> = {}): void {
  json(response, status, { type: `https://hard-e.dev/problems/${slug}`, title: slug, status, detail }, headers);
}

/** Point the page (jsdom) at `origin`, so relative URLs and same-origin cookies reach the fake. */
export function pageAt(origin: string): void {
  (globalThis as unknown as { jsdom: { reconfigure: (options: { url: string }) => void } }).jsdom.reconfigure({ url: `${origin}/app/` });
}
