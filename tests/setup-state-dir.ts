// Each test file gets its own gaterun state dir, so run locks of parallel test files never meet (tests of the lock
// itself share one dir on purpose).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

process.env.GATERUN_STATE_DIR ??= mkdtempSync(join(tmpdir(), 'gaterun-state-'));
