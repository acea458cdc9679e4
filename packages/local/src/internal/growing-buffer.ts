/** The output both Ion writers fill (ion-writer.ts, ion-binary-writer.ts): one buffer, doubled when it is full. */
export abstract class GrowingBuffer {
  protected buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  protected pos = 0;

  /** Room for `n` more bytes at `pos`. */
  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  protected byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }
}
