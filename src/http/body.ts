/**
 * Reading webhook bodies ourselves: Colyseus's router sets no size limit, and signatures need the exact
 * bytes, so endpoints are declared with `disableBody` and read through this cap.
 */
export class BodyTooLargeError extends Error {
  constructor(
    readonly limit: number,
    readonly declared?: number,
  ) {
    super(declared !== undefined ? `body of ${declared} bytes exceeds the ${limit}-byte limit` : `body exceeds the ${limit}-byte limit`);
    this.name = 'BodyTooLargeError';
  }
}

/** The client was still sending its body at the deadline (a slow-loris client, or a stalled link). */
export class BodyTimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    readonly received: number,
  ) {
    super(`body not received within ${timeoutMs} ms (${received} bytes so far)`);
    this.name = 'BodyTimeoutError';
  }
}

/** Whether the Content-Length header alone already exceeds the cap (to answer 413 without reading). */
export function declaresTooLarge(request: Request, limit: number): boolean {
  const declared = request.headers.get('content-length');
  return declared !== null && Number(declared) > limit;
}

/**
 * Reads the body, at most `limit` bytes, within `timeoutMs` when given. At the deadline the read stops
 * and {@link BodyTimeoutError} is thrown with the stream left as it is, so the route can still write its
 * answer (with `connection: close`); the transport then closes the connection.
 */
export async function readBodyCapped(request: Request, limit: number, timeoutMs?: number): Promise<Buffer> {
  if (declaresTooLarge(request, limit)) {
    await request.body?.cancel().catch(() => undefined);
    throw new BodyTooLargeError(limit, Number(request.headers.get('content-length')));
  }
  if (!request.body) return Buffer.alloc(0);
  // fetch's body stream is untyped (ReadableStream<any>); it yields bytes
  const reader: ReadableStreamDefaultReader<Uint8Array> = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const deadline =
    timeoutMs === undefined
      ? undefined
      : new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), timeoutMs);
        });
  try {
    for (;;) {
      const next = reader.read();
      const step = deadline ? await Promise.race([next, deadline]) : await next;
      if (step === 'timeout') {
        next.catch(() => undefined);
        throw new BodyTimeoutError(timeoutMs!, size);
      }
      const { done, value } = step;
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await drain(reader, limit);
        throw new BodyTooLargeError(limit);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
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
