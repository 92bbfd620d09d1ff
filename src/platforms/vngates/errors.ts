/**
 * Failures of the VNGates userinfo call, in the two kinds a caller handles differently: VNGates answered
 * and said no ({@link VngatesApiError}: the token is not valid, do not retry), or there was no usable
 * answer ({@link VngatesTransportError}: the platform may be fine, try again later).
 */
export class VngatesApiError extends Error {
  override name = 'VngatesApiError';
  constructor(
    /** The answer's `msg`, verbatim ('' when absent). */
    readonly msg: string,
    readonly status: number,
  ) {
    super(`VNGates userinfo refused the token${msg ? `: ${msg}` : ''}`);
  }
}

export type TransportFailure = 'network' | 'timeout' | 'http' | 'invalid-response';

export class VngatesTransportError extends Error {
  override name = 'VngatesTransportError';
  constructor(
    readonly kind: TransportFailure,
    message: string,
    /** Whether trying again may succeed (network, timeout, HTTP 5xx/429). */
    readonly transient: boolean,
    readonly httpStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(`VNGates userinfo: ${message}`, options);
  }
}
