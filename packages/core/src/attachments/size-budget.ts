import { AttachmentError } from '../errors.js';

/** The share of a {@link SizeBudget} that one attachment has taken so far. */
export interface SizeClaim {
  /**
   * Claims room for the attachment to be `size` bytes, before those bytes are read.
   * `atLeast` says the size is a running count, not the final size. Throws
   * `ATTACHMENT_TOO_LARGE` or `ATTACHMENT_TOTAL_TOO_LARGE` when it does not fit.
   */
  grow(size: number, atLeast?: boolean): void;
  /** Sets the claim to the final size, returning room claimed in advance but not used. */
  settle(size: number): void;
}

/**
 * The per-attachment and per-message byte limits, shared by attachments that
 * resolve concurrently: each claims its bytes as soon as it knows them (file size,
 * Content-Length, encoded length) and while it streams.
 */
export class SizeBudget {
  readonly #maxBytes: number;
  readonly #maxTotalBytes: number | undefined;
  #used = 0;

  constructor(maxBytes: number, maxTotalBytes: number | undefined) {
    this.#maxBytes = maxBytes;
    this.#maxTotalBytes = maxTotalBytes;
  }

  /** Opens the claim of the attachment at `field`. */
  claim(field: string): SizeClaim {
    let claimed = 0;
    return {
      grow: (size, atLeast = false) => {
        const bytes = (count: number): string => `${atLeast ? 'at least ' : ''}${count} bytes`;
        if (size > this.#maxBytes) {
          throw new AttachmentError(
            'ATTACHMENT_TOO_LARGE',
            `${field} is ${bytes(size)}, over the limit of ${this.#maxBytes}`,
            { details: { field, size, limit: this.#maxBytes } },
          );
        }
        if (size <= claimed) return;
        const total = this.#used + size - claimed;
        if (this.#maxTotalBytes !== undefined && total > this.#maxTotalBytes) {
          throw new AttachmentError(
            'ATTACHMENT_TOTAL_TOO_LARGE',
            `attachments total ${bytes(total)} with ${field}, over the limit of ${this.#maxTotalBytes}`,
            { details: { field, size: total, limit: this.#maxTotalBytes } },
          );
        }
        this.#used = total;
        claimed = size;
      },
      settle: (size) => {
        this.#used -= claimed - size;
        claimed = size;
      },
    };
  }
}
