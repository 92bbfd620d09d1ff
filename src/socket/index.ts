export { JsonSocketServer } from './JsonSocketServer.js';
export type { JsonSocketServerOptions, SocketAddress, SocketRequestContext } from './JsonSocketServer.js';
export { SOCKET_FRAMINGS, createFrameDecoder, encodeFrame, encodeJsonReply, isSocketFraming } from './framing.js';
export { parseJsonObject } from './jsonPayload.js';
export type { JsonObjectParser, ParsedJsonObject } from './jsonPayload.js';
export type { DecodeResult, DecodedFrame, FrameDecoder, FrameDecoderOptions, FramingError, FramingErrorCode, SocketFraming } from './framing.js';
