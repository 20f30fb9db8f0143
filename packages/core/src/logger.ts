/** Log levels, most verbose first (the MCP `logging` levels map onto these). */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';

type LogMethod = (objOrMsg: Record<string, unknown> | string, msg?: string) => void;

/** The logger shape mcpkit uses; pino loggers satisfy it as they are. */
export interface Logger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** A logger that adds `bindings` to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

const RANK: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  silent: 100,
};

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written. Default: `LOG_LEVEL` from the environment, else `info`. */
  level?: LogLevel;
  /** Where lines go. Default: standard error (standard output belongs to the stdio transport). */
  write?: (line: string) => void;
}

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const out: Record<string, unknown> = { type: error.name, message: error.message, stack: error.stack };
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (error.cause !== undefined) out.cause = serializeError(error.cause);
  return out;
}

/** A dependency-free JSON-lines logger; swap in pino (or anything shaped like {@link Logger}) for production. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const envLevel =
    typeof process !== 'undefined' ? (process.env.LOG_LEVEL as LogLevel | undefined) : undefined;
  const min = RANK[options.level ?? (envLevel && envLevel in RANK ? envLevel : 'info')];
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'));

  const make = (bindings: Record<string, unknown>): Logger => {
    const at =
      (level: Exclude<LogLevel, 'silent'>): LogMethod =>
      (objOrMsg, msg) => {
        if (RANK[level] < min) return;
        const line: Record<string, unknown> = { level, time: Date.now(), ...bindings };
        if (typeof objOrMsg === 'string') line.msg = objOrMsg;
        else {
          for (const [key, value] of Object.entries(objOrMsg))
            line[key] = key === 'err' ? serializeError(value) : value;
          if (msg !== undefined) line.msg = msg;
        }
        write(JSON.stringify(line));
      };
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return make({});
}

/** A logger that discards everything (handy in tests). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
