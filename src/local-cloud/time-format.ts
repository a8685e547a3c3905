/** Times as Alibaba's RPC APIs write them: `2024-05-01T08:00:00Z`. */
export function isoSeconds(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}
