/** Readable output: each exchange with its request, answer and whether it matched what the spec says. */
export interface Printer {
  step(title: string): void;
  exchange(request: string, answer: string, status?: number): void;
  verdict(ok: boolean, expectation: string): void;
  info(text: string): void;
}

export function consolePrinter(write: (line: string) => void = (l) => process.stdout.write(l + '\n'), color = process.stdout.isTTY): Printer {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const indent = (s: string) =>
    s
      .split('\n')
      .map((l) => `    ${l}`)
      .join('\n');
  return {
    step: (title) => write(`\n${c('1', `▶ ${title}`)}`),
    exchange: (request, answer, status) => {
      write(c('36', '  → request'));
      write(indent(request));
      write(c('35', `  ← answer${status !== undefined ? ` (HTTP ${status})` : ''}`));
      write(indent(answer || '(empty)'));
    },
    verdict: (ok, expectation) => write(ok ? c('32', `  ✔ ${expectation}`) : c('31', `  ✘ expected ${expectation}`)),
    info: (text) => write(`  ${text}`),
  };
}
