/**
 * The time source every schedule reads (epoch milliseconds), injected so tests can move time by minutes
 * or days. Its own module: the lease queue and the context both need it, and neither may import the other.
 */
export interface Clock {
  now(): number;
}
