/** Polls `probe` until it answers something truthy (returned), or throws after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined | null | false>, { timeoutMs = 15000, intervalMs = 100 } = {}): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
