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
import { LengthPrefixedDecoder } from './LengthPrefixedDecoder.js';
import { ScanDecoder } from './ScanDecoder.js';
import type { FrameDecoder, FrameDecoderOptions, SocketFraming } from './frameTypes.js';

export { SOCKET_FRAMINGS, isSocketFraming } from './frameTypes.js';
export type { DecodeResult, DecodedFrame, FrameDecoder, FrameDecoderOptions, FramingError, FramingErrorCode, SocketFraming } from './frameTypes.js';

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
