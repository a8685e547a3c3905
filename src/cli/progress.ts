/**
 * Progress for long runs, on stderr so stdout stays clean for tables and
 * JSON: a redrawn bar on a terminal, a line every 10% otherwise (CI logs).
 */
export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export function progressReporter(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const interactive = stream.isTTY === true;
  let lastTenth = -1;
  return {
    update(done, total) {
      if (total === 0) return;
      const fraction = done / total;
      if (interactive) {
        const width = 30;
        const filled = Math.round(fraction * width);
        stream.write(
          `\r${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total}`,
        );
        return;
      }
      const tenth = Math.floor(fraction * 10);
      if (tenth > lastTenth) {
        lastTenth = tenth;
        stream.write(`${label}: ${done}/${total}\n`);
      }
    },
    finish() {
      if (interactive) stream.write("\n");
    },
  };
}
