/**
 * Reading webhook bodies ourselves: Colyseus's router sets no size limit, and signatures need the exact
 * bytes, so endpoints are declared with `disableBody` and read through this cap.
 */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number, readonly declared?: number) {
    super(declared !== undefined ? `body of ${declared} bytes exceeds the ${limit}-byte limit` : `body exceeds the ${limit}-byte limit`);
    this.name = 'BodyTooLargeError';
  }
}

export async function readBodyCapped(request: Request, limit: number): Promise<Buffer> {
  const declared = request.headers.get('content-length');
  if (declared !== null && Number(declared) > limit) {
    await request.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(limit, Number(declared));
  }
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await drain(reader, limit);
      throw new BodyTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

/**
 * Reads and discards the rest of an oversized body, up to a bound, so the 413 answer can still be sent
 * (cancelling the stream makes the HTTP adapter destroy the connection first). Past the bound the stream
 * is cancelled: a client streaming without end gets its connection closed instead.
 */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<void> {
  let discarded = 0;
  const bound = Math.max(limit * 4, 1024 * 1024);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    discarded += value.byteLength;
    if (discarded > bound) {
      await reader.cancel().catch(() => undefined);
      return;
    }
  }
}
