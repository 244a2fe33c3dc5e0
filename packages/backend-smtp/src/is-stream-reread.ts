/**
 * True for nodemailer's ESTREAM that says a streamed part (a file, large bytes) was
 * offered a second time: nodemailer's pool sends the same composed message again when
 * a server drops a pooled connection before taking it, and a stream it abandoned cannot
 * be read twice. A stream that failed for its own reason (a file gone, stored content
 * expired) keeps that reason's code as `originalCode`.
 */
export function isStreamReread(error: unknown): boolean {
  const { code, originalCode } = (error ?? {}) as { code?: unknown; originalCode?: unknown };
  return code === 'ESTREAM' && originalCode === undefined;
}
