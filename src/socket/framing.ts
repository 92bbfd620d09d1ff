/**
 * Wire framing for the JSON socket server. The recharge platforms do not document how a request is
 * delimited on their TCP connection, so every candidate framing is an incremental decoder with the same
 * pull interface: bytes are pushed as they arrive and complete frames are pulled one at a time, so the
 * server decides when to look for the next request (after it has replied to the previous one).
 *
 * Decoders never buffer more than `maxMessageBytes` of one message plus the socket chunks already read,
 * and they work on bytes: text is decoded only once a whole message is assembled, so a multi-byte UTF-8
 * character split across TCP chunks cannot be corrupted.
 */

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

export function createFrameDecoder(framing: SocketFraming, options: FrameDecoderOptions): FrameDecoder {
  const max = options.maxMessageBytes;
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxMessageBytes must be a positive integer, got ${max}`);
  switch (framing) {
    case 'auto':
      return new ScanDecoder(framing, max, { braceScan: true, newlineEnds: true });
    case 'raw':
      return new ScanDecoder(framing, max, { braceScan: true, newlineEnds: false });
    case 'line':
      return new ScanDecoder(framing, max, { braceScan: false, newlineEnds: true });
    case 'len32be':
    case 'len32le':
    case 'tmsk6':
      return new LengthPrefixedDecoder(framing, max);
    default:
      throw new TypeError(`unknown socket framing: ${String(framing)}`);
  }
}

const LF = 0x0a;
const CR = 0x0d;
const OPEN_BRACE = 0x7b;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const BOM = [0xef, 0xbb, 0xbf] as const;

function isJsonWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === LF || b === CR;
}

interface ScanRules {
  /** The message ends where its outermost `{…}` closes; non-`{` starts are refused (`not-json`). */
  braceScan: boolean;
  /**
   * A `\n` ends the message wherever it appears (a raw newline is never valid inside a JSON string), so a
   * peer that sends pretty-printed JSON needs `raw`, where only the brace scan or EOF ends a message.
   */
  newlineEnds: boolean;
}

/**
 * `auto`, `raw` and `line`: leading whitespace and a UTF-8 BOM are skipped, then the message runs until
 * its end is found by the rules, or until EOF. The brace scan tracks strings and escapes so `{"a":"}"}`
 * is one message; bracket kinds are not matched against each other because any imbalance makes the
 * text invalid JSON, which the parser reports once the message is cut.
 */
class ScanDecoder implements FrameDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private body: Buffer[] = [];
  private bodyBytes = 0;
  private inBody = false;
  private bomMatched = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private eof = false;
  private failure: FramingError | undefined;

  constructor(
    readonly framing: SocketFraming,
    private readonly max: number,
    private readonly rules: ScanRules,
  ) {}

  get bufferedBytes(): number {
    return this.pendingBytes + this.bodyBytes + this.bomMatched;
  }

  push(chunk: Buffer): void {
    if (this.failure || this.eof || chunk.length === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
  }

  end(): void {
    this.eof = true;
  }

  takeBuffered(): Buffer {
    const out = Buffer.concat([Buffer.from(BOM.slice(0, this.bomMatched)), ...this.body, ...this.pending]);
    this.pending = [];
    this.pendingBytes = 0;
    this.resetMessage();
    return out;
  }

  next(): DecodeResult {
    if (this.failure) return this.failure;
    while (this.pending.length > 0) {
      const chunk = this.pending.shift()!;
      this.pendingBytes -= chunk.length;
      const result = this.scan(chunk);
      if (result) return result;
    }
    if (this.eof && this.inBody) return this.cut(Buffer.alloc(0), 0, 0);
    return null;
  }

  private scan(chunk: Buffer): DecodeResult {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (!this.inBody) {
        if (this.bomMatched > 0 && b === BOM[this.bomMatched]) {
          this.bomMatched = (this.bomMatched + 1) % BOM.length;
          continue;
        }
        if (this.bomMatched === 0 && b === BOM[0]) {
          this.bomMatched = 1;
          continue;
        }
        if (this.bomMatched === 0 && isJsonWhitespace(b)) continue;
        if (this.rules.braceScan && (b !== OPEN_BRACE || this.bomMatched > 0)) {
          const held = this.bomMatched + (chunk.length - i) + this.pendingBytes;
          return this.fail('not-json', `message starts with byte 0x${b.toString(16).padStart(2, '0')}, not '{'`, held);
        }
        // a broken BOM is kept as content so the message fails UTF-8 decoding instead of being repaired
        if (this.bomMatched > 0) this.appendBody(Buffer.from(BOM.slice(0, this.bomMatched)));
        this.bomMatched = 0;
        this.inBody = true;
        start = i;
      }
      if (this.rules.newlineEnds && b === LF) return this.cut(chunk.subarray(start, i), i + 1, chunk.length, chunk);
      if (this.bodyBytes + (i - start) + 1 > this.max) {
        return this.fail('too-large', `message exceeds maxMessageBytes (${this.max}) before its end was found`, this.bodyBytes + (i - start) + 1);
      }
      if (!this.rules.braceScan) continue;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
      } else if (b === QUOTE) {
        this.inString = true;
      } else if (b === OPEN_BRACE || b === 0x5b) {
        this.depth++;
      } else if (b === 0x7d || b === 0x5d) {
        this.depth--;
        if (this.depth === 0) return this.cut(chunk.subarray(start, i + 1), i + 1, chunk.length, chunk);
      }
    }
    if (this.inBody) this.appendBody(chunk.subarray(start));
    return null;
  }

  /** Completes the current message with `tail`; bytes `chunk[restFrom..restTo)` go back to be scanned next. */
  private cut(tail: Buffer, restFrom: number, restTo: number, chunk?: Buffer): DecodedFrame {
    let payload = this.body.length === 0 ? Buffer.from(tail) : Buffer.concat([...this.body, tail]);
    if (this.rules.newlineEnds && payload.length > 0 && payload[payload.length - 1] === CR) payload = payload.subarray(0, payload.length - 1);
    if (chunk && restFrom < restTo) {
      this.pending.unshift(chunk.subarray(restFrom, restTo));
      this.pendingBytes += restTo - restFrom;
    }
    this.resetMessage();
    return { type: 'frame', payload };
  }

  private appendBody(part: Buffer): void {
    if (part.length === 0) return;
    this.body.push(part);
    this.bodyBytes += part.length;
  }

  private resetMessage(): void {
    this.body = [];
    this.bodyBytes = 0;
    this.inBody = false;
    this.bomMatched = 0;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  private fail(code: FramingErrorCode, reason: string, bytes: number): FramingError {
    this.failure = { type: 'error', code, reason, bytes };
    this.pending = [];
    this.pendingBytes = 0;
    this.resetMessage();
    return this.failure;
  }
}

/**
 * `len32be`/`len32le`: uint32 payload length, then the payload. `tmsk6`: int32 LE length counting the
 * payload plus the 2-byte command id, then uint16 LE command id, then the payload. A length above the
 * limit is refused as soon as the header is read, before any payload byte is buffered.
 */
class LengthPrefixedDecoder implements FrameDecoder {
  private readonly queue = new ByteQueue();
  private header: { payloadBytes: number; cmdId?: number; raw: Buffer } | undefined;
  private eof = false;
  private failure: FramingError | undefined;
  private readonly headerBytes: number;

  constructor(
    readonly framing: 'len32be' | 'len32le' | 'tmsk6',
    private readonly max: number,
  ) {
    this.headerBytes = framing === 'tmsk6' ? 6 : 4;
  }

  get bufferedBytes(): number {
    return this.queue.length + (this.header ? this.header.raw.length : 0);
  }

  push(chunk: Buffer): void {
    if (this.failure || this.eof || chunk.length === 0) return;
    this.queue.push(chunk);
  }

  end(): void {
    this.eof = true;
  }

  takeBuffered(): Buffer {
    const body = this.queue.take(this.queue.length);
    const header = this.header?.raw;
    this.header = undefined;
    return header ? Buffer.concat([header, body]) : body;
  }

  next(): DecodeResult {
    if (this.failure) return this.failure;
    if (!this.header) {
      if (this.queue.length < this.headerBytes) {
        if (this.eof && this.queue.length > 0) {
          return this.fail('truncated', `peer closed inside a ${this.headerBytes}-byte ${this.framing} header`, this.queue.length);
        }
        return null;
      }
      const raw = this.queue.peek(this.headerBytes);
      const parsed = this.readHeader(raw);
      if (parsed.type === 'error') return parsed;
      this.queue.skip(this.headerBytes);
      this.header = { payloadBytes: parsed.payloadBytes, cmdId: parsed.cmdId, raw };
    }
    const { payloadBytes, cmdId } = this.header;
    if (this.queue.length < payloadBytes) {
      if (this.eof) {
        return this.fail('truncated', `peer closed after ${this.queue.length} of ${payloadBytes} announced payload bytes`, this.queue.length);
      }
      return null;
    }
    this.header = undefined;
    const payload = this.queue.take(payloadBytes);
    return cmdId === undefined ? { type: 'frame', payload } : { type: 'frame', payload, cmdId };
  }

  private readHeader(h: Buffer): { type: 'header'; payloadBytes: number; cmdId?: number } | FramingError {
    if (this.framing === 'tmsk6') {
      const length = h.readInt32LE(0);
      if (length < 2) return this.fail('bad-header', `tmsk6 length field ${length} is below the 2-byte command id`, 0);
      const payloadBytes = length - 2;
      if (payloadBytes > this.max) return this.fail('too-large', `announced payload of ${payloadBytes} bytes exceeds maxMessageBytes (${this.max})`, payloadBytes);
      return { type: 'header', payloadBytes, cmdId: h.readUInt16LE(4) };
    }
    const payloadBytes = this.framing === 'len32be' ? h.readUInt32BE(0) : h.readUInt32LE(0);
    if (payloadBytes > this.max) return this.fail('too-large', `announced payload of ${payloadBytes} bytes exceeds maxMessageBytes (${this.max})`, payloadBytes);
    return { type: 'header', payloadBytes };
  }

  private fail(code: FramingErrorCode, reason: string, bytes: number): FramingError {
    this.failure = { type: 'error', code, reason, bytes };
    this.queue.take(this.queue.length);
    this.header = undefined;
    return this.failure;
  }
}

/** A FIFO of received chunks; bytes are copied only when a frame is taken out, never on push. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private offset = 0;
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  peek(n: number): Buffer {
    return this.copy(n, false);
  }

  take(n: number): Buffer {
    return this.copy(n, true);
  }

  skip(n: number): void {
    this.copy(n, true);
  }

  private copy(n: number, consume: boolean): Buffer {
    if (n > this.length) throw new RangeError(`ByteQueue: ${n} bytes requested, ${this.length} held`);
    const out = Buffer.allocUnsafe(n);
    let written = 0;
    let index = 0;
    let offset = this.offset;
    while (written < n) {
      const chunk = this.chunks[index];
      const count = Math.min(chunk.length - offset, n - written);
      chunk.copy(out, written, offset, offset + count);
      written += count;
      offset += count;
      if (offset === chunk.length) {
        index++;
        offset = 0;
      }
    }
    if (consume) {
      this.chunks.splice(0, index);
      this.offset = offset;
      this.length -= n;
    }
    return out;
  }
}

const MAX_UINT32 = 0xffffffff;
const MAX_INT32 = 0x7fffffff;

function encodeHeader(framing: 'len32be' | 'len32le' | 'tmsk6', payloadBytes: number, cmdId: number): Buffer {
  if (framing === 'tmsk6') {
    const header = Buffer.alloc(6);
    header.writeInt32LE(payloadBytes + 2, 0);
    header.writeUInt16LE(cmdId, 4);
    return header;
  }
  const header = Buffer.alloc(4);
  if (framing === 'len32be') header.writeUInt32BE(payloadBytes, 0);
  else header.writeUInt32LE(payloadBytes, 0);
  return header;
}

/**
 * Frames one reply payload. `tmsk6` needs `cmdId` (uint16). Throws RangeError when the payload cannot be
 * represented by the framing's length field, or when `cmdId` is missing or out of range.
 */
export function encodeFrame(framing: SocketFraming, payload: Buffer, cmdId?: number): Buffer {
  switch (framing) {
    case 'auto':
    case 'line':
      return Buffer.concat([payload, Buffer.from([LF])]);
    case 'raw':
      return payload;
    case 'len32be':
    case 'len32le':
      if (payload.length > MAX_UINT32) throw new RangeError(`payload of ${payload.length} bytes does not fit a uint32 length`);
      return Buffer.concat([encodeHeader(framing, payload.length, 0), payload]);
    case 'tmsk6':
      if (cmdId === undefined || !Number.isInteger(cmdId) || cmdId < 0 || cmdId > 0xffff) {
        throw new RangeError(`tmsk6 needs a uint16 cmdId, got ${String(cmdId)}`);
      }
      if (payload.length + 2 > MAX_INT32) throw new RangeError(`payload of ${payload.length} bytes does not fit a tmsk6 length`);
      return Buffer.concat([encodeHeader(framing, payload.length, cmdId), payload]);
    default:
      throw new TypeError(`unknown socket framing: ${String(framing)}`);
  }
}

/**
 * Serialises a reply with JSON.stringify and frames it. Throws TypeError when the value has no JSON form
 * (undefined, a function, a symbol) or cannot be serialised (BigInt, cycles), so the caller can fall back.
 */
export function encodeJsonReply(framing: SocketFraming, value: unknown, cmdId?: number): Buffer {
  const text: unknown = JSON.stringify(value);
  if (typeof text !== 'string') throw new TypeError(`reply of type ${typeof value} has no JSON representation`);
  return encodeFrame(framing, Buffer.from(text, 'utf8'), cmdId);
}

export type ParsedJsonObject =
  | { ok: true; value: Record<string, unknown>; text: string; meta?: unknown }
  | { ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a payload as strict UTF-8 (a leading BOM is dropped) and parses it as a JSON object. The reason
 * for a refusal never quotes the payload: V8's JSON errors embed the input text, so only the position is kept.
 */
/**
 * Parses a JSON object from a message's text. A platform adapter may supply its own (the recharge path
 * keeps number literals for its sign), so a message is parsed once; `meta` is handed to the handler.
 */
export type JsonObjectParser = (text: string) => { ok: true; value: Record<string, unknown>; meta?: unknown } | { ok: false; reason: string };

export function parseJsonObject(payload: Buffer, parser?: JsonObjectParser): ParsedJsonObject {
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, reason: 'payload is not valid UTF-8' };
  }
  if (text.trim() === '') return { ok: false, reason: 'empty message' };
  if (parser) {
    const parsed = parser(text);
    return parsed.ok ? { ok: true, value: parsed.value, text, meta: parsed.meta } : parsed;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    return { ok: false, reason: position === undefined ? 'invalid JSON' : `invalid JSON at position ${position}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, reason: `JSON value is ${kind}, not an object` };
  }
  return { ok: true, value: value as Record<string, unknown>, text };
}
