/**
 * Builds an RFC 5322 Message-ID from Mailroom's unique id and the sender's domain,
 * so replies thread and the id is globally unique.
 */
export function createMessageId(id: string, fromAddress: string): string {
  const domain = fromAddress.slice(fromAddress.lastIndexOf('@') + 1);
  return `<${id}@${domain}>`;
}
