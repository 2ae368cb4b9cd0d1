/** A progress bar on stderr for long files, only when stderr is a terminal. */
export function progressBar(stream: NodeJS.WriteStream): { update: (done: number, total: number) => void; done: () => void } {
  let last = -1;
  let shown = false;
  return {
    update(done, total) {
      if (total <= 0) return;
      const pct = Math.floor((done / total) * 100);
      if (pct === last) return;
      last = pct;
      shown = true;
      const width = 30;
      const fill = Math.round((pct / 100) * width);
      stream.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct}% ${(done / 1048576).toFixed(0)}/${(total / 1048576).toFixed(0)} MiB`);
    },
    done() {
      if (shown) stream.write('\r' + ' '.repeat(60) + '\r');
    },
  };
}
