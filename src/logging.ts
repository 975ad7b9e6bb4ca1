/** Log lines: readable on a terminal, JSON everywhere else, from one choice (config log.format). */
import { type LoggerOptions, pino, type Logger } from "pino";

export type LogFormat = "auto" | "pretty" | "json";

export function isPretty(format: LogFormat): boolean {
  return format === "pretty" || (format === "auto" && process.stdout.isTTY === true);
}

/** pino options for a logger at `level` in `format` (pino-pretty runs in pino's transport thread). */
export function logOptions(level: string, format: LogFormat): LoggerOptions {
  return {
    level,
    ...(isPretty(format) && level !== "silent"
      ? {
          transport: {
            target: "pino-pretty",
            options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" },
          },
        }
      : {}),
  };
}

export function createLogger(level: string, format: LogFormat): Logger {
  return pino(logOptions(level, format));
}
