import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

const created: string[] = [];

afterAll(async () => {
  for (const dir of created.splice(0)) await rm(dir, { recursive: true, force: true });
});

/**
 * Creates a fresh directory holding `files` (name inside the directory -> content) and
 * removes it after the test file's tests.
 */
export async function templateDir(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mailroom-templates-'));
  created.push(root);
  const dir = join(root, 'emails');
  await mkdir(dir);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}
