// Where gaterun's own files (macros, templates, schemas) live, from source or from dist/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).name === 'gaterun') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('gaterun package root not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/** The package root (the folder holding package.json). */
export const packageRoot = findRoot();
/** gaterun's version from package.json. */
export const version: string = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version;
/** Path of a file inside the package. */
export const packagePath = (...parts: string[]) => join(packageRoot, ...parts);
