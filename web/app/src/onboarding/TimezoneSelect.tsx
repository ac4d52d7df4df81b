// A time-zone picker: the US zones first (most of Hard-E's companies), then every IANA zone.
import { useId } from "react";

const COMMON = ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
  "America/Anchorage", "Pacific/Honolulu"];

function allZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
}

export function TimezoneSelect({ name, defaultValue }: { name: string; defaultValue: string }) {
  const id = useId();
  const others = allZones().filter((zone) => !COMMON.includes(zone));
  const zones = [...COMMON, ...others];
  if (!zones.includes(defaultValue)) zones.unshift(defaultValue);
  return (
    <label htmlFor={id}>
      Time zone
      <select id={id} name={name} defaultValue={defaultValue}>
        {zones.map((zone) => (
          <option key={zone} value={zone}>{zone.replaceAll("_", " ")}</option>
        ))}
      </select>
    </label>
  );
}
