/** A FIFO of received chunks; bytes are copied only when a frame is taken out, never on push. */
export class ByteQueue {
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
