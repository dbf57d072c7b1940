import { access } from 'node:fs/promises';

/** Whether anything (file or directory) exists at `path`. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
