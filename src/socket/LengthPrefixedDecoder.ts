import { ByteQueue } from './ByteQueue.js';
import type { DecodeResult, FrameDecoder, FramingError, FramingErrorCode } from './frameTypes.js';

/**
 * `len32be`/`len32le`: uint32 payload length, then the payload. `tmsk6`: int32 LE length counting the
 * payload plus the 2-byte command id, then uint16 LE command id, then the payload. A length above the
 * limit is refused as soon as the header is read, before any payload byte is buffered.
 */
export class LengthPrefixedDecoder implements FrameDecoder {
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
