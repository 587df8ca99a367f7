// `gaterun db up`: a throwaway server with schema files applied (as `psql -f` would, COPY blocks included), kept until Ctrl-C.
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-server.js';
import { readSqlScripts, runSqlScripts } from './sql-script.js';

export interface DbUpOptions {
  /** Where the URL and status lines go (default: stdout). */
  print?: (line: string) => void;
  /** Stop when aborted (default: on SIGINT or SIGTERM). */
  signal?: AbortSignal;
  /** Called once the server is up and the files are applied (tests). */
  onReady?: (server: EmbeddedPostgres) => void;
}

/** Starts an embedded server, applies schemaFiles in order, prints the URL, and stops it on SIGINT/SIGTERM (or the signal). */
export async function dbUp(schemaFiles: string[], options: DbUpOptions = {}): Promise<void> {
  const print = options.print ?? ((line: string) => process.stdout.write(line + '\n'));
  // A missing file or an unsupported line stops here, before a server is started.
  const scripts = readSqlScripts(schemaFiles);
  const server = await startEmbeddedPostgres();
  try {
    const loaded = await runSqlScripts(server.url, scripts);
    print(server.url);
    print(
      `# PostgreSQL ${server.version} on 127.0.0.1:${server.port} (initdb ${server.timings.initdbMs} ms, start ${server.timings.startMs} ms); ${schemaFiles.length} file(s) applied (${loaded.statements} statements, ${loaded.copies} COPY blocks with ${loaded.rows} rows); Ctrl-C stops it and deletes its data`,
    );
    options.onReady?.(server);
    await new Promise<void>((resolve) => {
      // Keeps the process alive while we wait (the server's own handles are unref'd).
      const keepAlive = setInterval(() => undefined, 1 << 30);
      const done = () => {
        clearInterval(keepAlive);
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        resolve();
      };
      if (options.signal) {
        if (options.signal.aborted) return done();
        options.signal.addEventListener('abort', done, { once: true });
      } else {
        process.on('SIGINT', done);
        process.on('SIGTERM', done);
      }
    });
  } finally {
    await server.stop();
  }
}
