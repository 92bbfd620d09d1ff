import type { DecodeResult, DecodedFrame, FrameDecoder, FramingError, FramingErrorCode, SocketFraming } from './frameTypes.js';

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
export class ScanDecoder implements FrameDecoder {
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
