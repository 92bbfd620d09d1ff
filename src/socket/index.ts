export { JsonSocketServer } from './JsonSocketServer.js';
export type { JsonSocketServerOptions, SocketAddress, SocketRequestContext } from './JsonSocketServer.js';
export {
  SOCKET_FRAMINGS,
  createFrameDecoder,
  encodeFrame,
  encodeJsonReply,
  isSocketFraming,
  parseJsonObject,
} from './framing.js';
export type {
  DecodeResult,
  DecodedFrame,
  FrameDecoder,
  FrameDecoderOptions,
  FramingError,
  FramingErrorCode,
  ParsedJsonObject,
  SocketFraming,
} from './framing.js';
