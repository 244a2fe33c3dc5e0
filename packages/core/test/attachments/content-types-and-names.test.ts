import { describe, expect, it } from 'vitest';
import { detectContentType } from '../../src/attachments/detect-content-type.js';
import {
  fallbackFilename,
  filenameFromUrl,
  sanitizeFilename,
} from '../../src/attachments/name-attachment.js';
import { filenameFromContentDisposition } from '../../src/attachments/parse-content-disposition.js';
import { parseMediaType } from '../../src/attachments/parse-media-type.js';
import { sniffMagicBytes } from '../../src/attachments/sniff-magic-bytes.js';
import { PDF, PNG } from './servers.js';

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const ZIP = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]);

describe('sniffMagicBytes', () => {
  it.each([
    ['PNG', PNG, 'image/png'],
    ['JPEG', Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'image/jpeg'],
    ['GIF87a', ascii('GIF87a\x01\x00'), 'image/gif'],
    ['GIF89a', ascii('GIF89a\x01\x00'), 'image/gif'],
    ['WebP', ascii('RIFF\x24\x00\x00\x00WEBPVP8 '), 'image/webp'],
    ['PDF', PDF, 'application/pdf'],
    ['gzip', Uint8Array.from([0x1f, 0x8b, 0x08, 0]), 'application/gzip'],
    ['ZIP', ZIP, 'application/zip'],
    ['empty ZIP', ascii('PK\x05\x06'), 'application/zip'],
  ])('recognises %s', (_, head, type) => {
    expect(sniffMagicBytes(head)?.type).toBe(type);
  });

  it('marks ZIP as a container', () => {
    expect(sniffMagicBytes(ZIP)?.container).toBe(true);
    expect(sniffMagicBytes(PNG)?.container).toBe(false);
  });

  it.each([
    ['text', ascii('hello world')],
    ['a truncated PNG signature', PNG.subarray(0, 4)],
    ['RIFF that is not WebP', ascii('RIFF\x24\x00\x00\x00WAVEfmt ')],
    ['nothing', new Uint8Array()],
  ])('recognises nothing in %s', (_, head) => {
    expect(sniffMagicBytes(head)).toBeUndefined();
  });
});

describe('detectContentType', () => {
  const none = new Uint8Array();
  const detect = (evidence: Partial<Parameters<typeof detectContentType>[0]>) =>
    detectContentType({ head: none, fromText: false, ...evidence });

  it('1. an explicit type wins over everything', () => {
    expect(
      detect({
        explicit: 'application/x-mine',
        head: PNG,
        declared: 'image/gif',
        filename: 'a.pdf',
      }),
    ).toBe('application/x-mine');
  });

  it('2. unambiguous magic bytes beat the declared type and the extension', () => {
    expect(detect({ head: PNG, declared: 'image/jpeg', filename: 'photo.jpg' })).toBe('image/png');
  });

  it('3. a specific declared type beats the extension', () => {
    expect(detect({ declared: 'text/csv', filename: 'export.php' })).toBe('text/csv');
  });

  it('3. a generic declared type is ignored', () => {
    expect(detect({ declared: 'application/octet-stream', filename: 'a.csv' })).toBe('text/csv');
    expect(detect({ declared: 'binary/octet-stream; x=1', filename: 'a.csv' })).toBe('text/csv');
  });

  it('4. the extension, by mime-types', () => {
    expect(detect({ filename: 'Report.DOCX' })).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
  });

  it('5. ZIP magic only after the extension, which knows docx from zip', () => {
    expect(detect({ head: ZIP, filename: 'letter.docx' })).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(detect({ head: ZIP, filename: 'archive' })).toBe('application/zip');
    expect(detect({ head: ZIP })).toBe('application/zip');
  });

  it('6. text/plain for strings, else application/octet-stream', () => {
    expect(detect({ filename: 'notes', fromText: true })).toBe('text/plain; charset=utf-8');
    expect(detect({ fromText: true })).toBe('text/plain; charset=utf-8');
    expect(detect({ filename: 'blob' })).toBe('application/octet-stream');
    expect(detect({})).toBe('application/octet-stream');
  });

  it('marks text given as a string as UTF-8 unless a charset is given', () => {
    expect(detect({ filename: 'a.html', fromText: true })).toBe('text/html; charset=utf-8');
    expect(detect({ explicit: 'text/plain; charset=iso-8859-1', fromText: true })).toBe(
      'text/plain; charset=iso-8859-1',
    );
    expect(detect({ filename: 'a.json', fromText: true })).toBe('application/json');
  });
});

describe('parseMediaType', () => {
  it.each([
    ['image/png', 'image/png'],
    ['Text/HTML', 'text/html'],
    ['text/plain;charset=UTF-8', 'text/plain; charset=UTF-8'],
    ['  text/plain ;  Charset=utf-8  ', 'text/plain; charset=utf-8'],
    ['application/x-foo; name="a;b.txt"', 'application/x-foo; name="a;b.txt"'],
    ['application/vnd.api+json', 'application/vnd.api+json'],
    ['text/plain;', 'text/plain'],
  ])('reads %j', (input, output) => {
    expect(parseMediaType(input)).toBe(output);
  });

  it.each([
    'text',
    'text/',
    '/plain',
    'text/plain/x',
    'text /plain',
    'text/plain; charset',
    'te xt/plain',
    'text/plain; a="unterminated',
  ])('refuses %j', (input) => {
    expect(parseMediaType(input)).toBeUndefined();
  });
});

describe('sanitizeFilename', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['  spaced.txt  ', 'spaced.txt'],
    ['/etc/passwd', 'passwd'],
    ['../../a.txt', 'a.txt'],
    ['C:\\Users\\me\\a.txt', 'a.txt'],
    ['résumé 2024.pdf', 'résumé 2024.pdf'],
  ])('reduces %j to %j', (raw, name) => {
    expect(sanitizeFilename(raw, 'f')).toBe(name);
  });

  it.each(['', '   ', '.', '..', 'dir/', 'a/..'])('finds no name in %j', (raw) => {
    expect(sanitizeFilename(raw, 'f')).toBeUndefined();
  });

  it('refuses CR, LF and NUL as header injection, other controls as invalid input', () => {
    expect(() => sanitizeFilename('a\r\nb', 'f')).toThrow(
      expect.objectContaining({ code: 'HEADER_INJECTION' }),
    );
    expect(() => sanitizeFilename('a\0b', 'f')).toThrow(
      expect.objectContaining({ code: 'HEADER_INJECTION' }),
    );
    expect(() => sanitizeFilename('a\x07b', 'f')).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
  });

  it('refuses a name over 255 characters', () => {
    expect(sanitizeFilename('a'.repeat(255), 'f')).toHaveLength(255);
    expect(() => sanitizeFilename('a'.repeat(256), 'f')).toThrow(
      expect.objectContaining({ code: 'ATTACHMENT_INVALID' }),
    );
  });
});

describe('filenameFromUrl', () => {
  it.each([
    ['https://x.test/files/Quarterly%20Report.pdf', 'Quarterly Report.pdf'],
    ['https://x.test/a/b.png?size=large#top', 'b.png'],
    ['https://x.test/r%C3%A9sum%C3%A9.pdf', 'résumé.pdf'],
    ['https://x.test/dir%2Fsecret.txt', 'secret.txt'],
    ['https://x.test/bad%E0%A4%A.txt', 'bad%E0%A4%A.txt'],
  ])('names %s %j', (url, name) => {
    expect(filenameFromUrl(new URL(url), 'f')).toBe(name);
  });

  it.each(['https://x.test/', 'https://x.test/dir/', 'https://x.test'])(
    'finds no name in %s',
    (url) => {
      expect(filenameFromUrl(new URL(url), 'f')).toBeUndefined();
    },
  );
});

describe('filenameFromContentDisposition', () => {
  it.each([
    ['attachment; filename="report.pdf"', 'report.pdf'],
    ['attachment; filename=report.pdf', 'report.pdf'],
    ['inline; filename="a \\"quoted\\" name.txt"', 'a "quoted" name.txt'],
    ["attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", 'résumé.pdf'],
    ['attachment; filename="fallback.pdf"; filename*=utf-8\'en\'na%C3%AFve.pdf', 'naïve.pdf'],
    ["attachment; filename*=iso-8859-1''caf%E9.txt", 'café.txt'],
    ['attachment; filename*=UTF-8\'\'%FF%FE.txt; filename="safe.txt"', 'safe.txt'],
    ['attachment; filename*=x-unknown\'\'a.txt; filename="known.txt"', 'known.txt'],
  ])('reads %s', (header, name) => {
    expect(filenameFromContentDisposition(header)).toBe(name);
  });

  it('finds nothing without a filename', () => {
    expect(filenameFromContentDisposition('attachment')).toBeUndefined();
    expect(filenameFromContentDisposition('inline; size=3')).toBeUndefined();
  });
});

describe('fallbackFilename', () => {
  it('numbers from 1', () => {
    expect(fallbackFilename(0)).toBe('attachment-1.bin');
    expect(fallbackFilename(9)).toBe('attachment-10.bin');
  });
});
