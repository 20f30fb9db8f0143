import { createRedactor } from './redact.js';

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

/** Marks loggers whose every line already passes {@link redact}, so they are not wrapped twice. */
const REDACTING: unique symbol = Symbol.for('mcpkit.logger.redacting');

function isRedacting(logger: Logger): boolean {
  return (logger as { [REDACTING]?: boolean })[REDACTING] === true;
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
        const fields: Record<string, unknown> = { ...bindings };
        if (typeof objOrMsg === 'string') fields.msg = objOrMsg;
        else {
          Object.assign(fields, objOrMsg);
          if (msg !== undefined) fields.msg = msg;
        }
        // Redacted as the line is written, never before: a discarded level costs nothing. Level and
        // time are the logger's own and go on the line unredacted, first (as pino writes them).
        const line = { level, time: Date.now(), ...(redactLine(fields) as Record<string, unknown>) };
        write(JSON.stringify(line));
      };
    return {
      trace: at('trace'),
      debug: at('debug'),
      info: at('info'),
      warn: at('warn'),
      error: at('error'),
      child: (more) => make({ ...bindings, ...more }),
      [REDACTING]: true,
    } as Logger;
  };
  return make({});
}

/** One redactor for every line of every core logger (its key verdicts are shared). */
const redactLine = createRedactor({ maxDepth: 12 });

/**
 * `logger` with every line passing core's one redaction path: the object (errors included, as
 * type, message, stack and cause) and the message. Loggers from {@link createLogger} already
 * redact and are returned as they are; any other logger (pino, …) is wrapped. The server wraps
 * whatever logger it is given, so every line an mcpkit package writes through it is redacted.
 */
export function redactingLogger(logger: Logger): Logger {
  if (isRedacting(logger)) return logger;
  // pino and its likes tell whether a level is on: a discarded line is then never redacted.
  const enabled = (logger as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.bind(logger);
  const at =
    (method: LogMethod, level: Exclude<LogLevel, 'silent'>): LogMethod =>
    (objOrMsg, msg) => {
      if (enabled !== undefined && !enabled(level)) return;
      if (typeof objOrMsg === 'string') method(redactLine(objOrMsg) as string);
      else
        method(
          redactLine(objOrMsg) as Record<string, unknown>,
          msg === undefined ? msg : (redactLine(msg) as string),
        );
    };
  return {
    trace: at(logger.trace.bind(logger), 'trace'),
    debug: at(logger.debug.bind(logger), 'debug'),
    info: at(logger.info.bind(logger), 'info'),
    warn: at(logger.warn.bind(logger), 'warn'),
    error: at(logger.error.bind(logger), 'error'),
    child: (bindings) => redactingLogger(logger.child(redactLine(bindings) as Record<string, unknown>)),
    [REDACTING]: true,
  } as Logger;
}

/** A logger that discards everything (handy in tests). */
export const silentLogger: Logger = createLogger({ level: 'silent' });
