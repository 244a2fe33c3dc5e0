import type { Address, ResolvedMessage } from '@mailroom/core';

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const list = (addresses: Address[]): string =>
  addresses.map((a) => a.address).join(', ') || '(none)';

/**
 * Lays out a message for a terminal: the envelope (bcc included, as it only exists
 * there), the header block as composed for sending, the bodies, and one line per
 * attachment instead of its base64.
 */
export function formatMessage(message: ResolvedMessage, headerBlock: string): string {
  const rule = '-'.repeat(72);
  const lines = [
    rule,
    `Mailroom console backend: message ${message.messageId} (not sent)`,
    `Subject:       ${message.subject}`,
    `Envelope from: ${message.envelope.from}`,
    `Envelope to:   ${message.envelope.to.join(', ')}`,
    `  (to: ${list(message.to)}; cc: ${list(message.cc)}; bcc: ${list(message.bcc)})`,
    '',
    headerBlock.replace(/\r\n/g, '\n'),
    '',
    '--- text/plain ---',
    message.text,
  ];
  if (message.html !== undefined) lines.push('--- text/html ---', message.html);
  if (message.attachments.length > 0) {
    lines.push('--- attachments ---');
    for (const a of message.attachments) {
      const inline = a.inline ? ` inline${a.cid ? ` cid:${a.cid}` : ''}` : '';
      lines.push(`  ${a.filename}  ${a.contentType}  ${formatSize(a.size)}${inline}`);
    }
  }
  lines.push(rule, '');
  return lines.join('\n');
}
