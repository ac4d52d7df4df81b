// Channels in words.
export const CHANNELS: Record<string, string> = {
  phone: "Phone",
  webrtc: "Browser",
  text: "Text",
  api: "Direct Tools",
};

export function channelLabel(channel: string): string {
  return CHANNELS[channel] ?? channel;
}
