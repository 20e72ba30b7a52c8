/** The benchmark's activity: no work, so the figures are the server's and the SDK's. */
export async function touch(i: number): Promise<number> {
  return i;
}
