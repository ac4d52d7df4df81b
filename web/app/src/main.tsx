// The app's entry: the data cache, the re-sign-in dialog, the other-tabs listener and the router.
import "@picocss/pico/css/pico.min.css";
import "./app.css";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { RouterProvider } from "react-router";
import { ApiError } from "./api/problem";
import { appRouter } from "./routes";
import { ReauthDialog } from "./session/ReauthDialog";
import { useOtherTabs } from "./session/session";

const client = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal will not change by asking again; a lost network may.
      retry: (count, error) => !(error instanceof ApiError) && count < 2,
      refetchOnWindowFocus: true,
    },
  },
});

function App() {
  useOtherTabs();
  return (
    <>
      <RouterProvider router={appRouter()} />
      <ReauthDialog />
    </>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={client}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
