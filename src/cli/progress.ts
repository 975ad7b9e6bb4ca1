/**
 * A one-line progress display for long commands, shown only on a terminal: redrawn in place (carriage
 * return + erase line) at most every `intervalMs`, and finished with a newline. Written to stderr so
 * stdout (a report, --json) stays clean for scripts.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressLine {
  /** Redraws the line if the interval has passed since the last drawing. */
  update(text: string): void;
  /** Draws the last state and ends the line. */
  done(text: string): void;
}

const NONE: ProgressLine = { update() {}, done() {} };

export function progressLine(stream: ProgressStream, intervalMs = 200, now = () => Date.now()): ProgressLine {
  if (!stream.isTTY) return NONE;
  let last = now();
  let drawn = false;
  const draw = (text: string) => {
    stream.write(`\r\x1b[K${text}`);
    drawn = true;
  };
  return {
    update(text) {
      const t = now();
      if (t - last < intervalMs) return;
      last = t;
      draw(text);
    },
    done(text) {
      draw(text);
      if (drawn) stream.write("\n");
    },
  };
}

const count = new Intl.NumberFormat("en-US");
export const formatCount = (n: number) => count.format(Math.round(n));
