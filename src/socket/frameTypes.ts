/** The vocabulary every socket framing shares: the framing names, a decoded frame, a framing error, the decoder's pull interface. */

export const SOCKET_FRAMINGS = ['auto', 'line', 'raw', 'len32be', 'len32le', 'tmsk6'] as const;

export type SocketFraming = (typeof SOCKET_FRAMINGS)[number];

export function isSocketFraming(value: unknown): value is SocketFraming {
  return typeof value === 'string' && (SOCKET_FRAMINGS as readonly string[]).includes(value);
}

/** One request's payload (the JSON bytes, framing removed). `cmdId` is set by `tmsk6` only. */
export interface DecodedFrame {
  type: 'frame';
  payload: Buffer;
  cmdId?: number;
}

/**
 * Why the byte stream cannot be decoded any further. Every code is fatal for the connection:
 * - `too-large`: a message (or a length header) exceeds `maxMessageBytes`;
 * - `truncated`: the peer half-closed in the middle of a length-prefixed frame;
 * - `bad-header`: a length header that no valid frame can have;
 * - `not-json`: `auto`/`raw` only: the message does not start with `{`, so it cannot be a JSON object and
 *   its end cannot be found; the server answers it as malformed, then closes.
 */
export type FramingErrorCode = 'too-large' | 'truncated' | 'bad-header' | 'not-json';

export interface FramingError {
  type: 'error';
  code: FramingErrorCode;
  /** Human-readable cause for the log; never contains payload text. */
  reason: string;
  /** Bytes involved: the announced length for a refused header, otherwise the bytes received so far. */
  bytes: number;
}

/** `null`: no complete frame yet (or, after {@link FrameDecoder.end}, nothing left). */
export type DecodeResult = DecodedFrame | FramingError | null;

export interface FrameDecoder {
  readonly framing: SocketFraming;
  /** Appends received bytes. Ignored once the decoder has failed. */
  push(chunk: Buffer): void;
  /** The peer half-closed: a message still in progress is completed (or reported as truncated). */
  end(): void;
  /** Pulls the next frame. After an error it keeps returning that error. */
  next(): DecodeResult;
  /** Bytes held that are not part of a frame returned so far. */
  readonly bufferedBytes: number;
  /** Removes and returns every held byte; used when the rest of the stream is to be ignored. */
  takeBuffered(): Buffer;
}

export interface FrameDecoderOptions {
  /** Largest accepted payload in bytes (framing headers and delimiters not counted). */
  maxMessageBytes: number;
}
