// Says so at once when the browser loses its network, and when it is back.
import { useEffect, useState } from "react";

export function OfflineBanner() {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    return () => {
      window.removeEventListener("online", up);
      window.removeEventListener("offline", down);
    };
  }, []);
  if (online) return null;
  return (
    <p role="alert" className="banner offline">
      You are offline. Nothing you type is lost; it is sent when you press the button again once the
      connection is back.
    </p>
  );
}
