/** protobuf Timestamp and Duration values from JavaScript times. */
export function timestamp(ms: number) {
  return { seconds: Math.floor(ms / 1000), nanos: (ms % 1000) * 1_000_000 };
}

export function durationMs(
  duration: { seconds?: unknown; nanos?: number } | null | undefined,
): number | undefined {
  if (!duration) return undefined;
  return (
    Number(duration.seconds ?? 0) * 1000 +
    Math.floor((duration.nanos ?? 0) / 1_000_000)
  );
}

/** A protobuf Duration of `ms` milliseconds. */
export function durationOf(ms: number) {
  return timestamp(ms);
}
