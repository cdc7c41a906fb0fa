/** Bad command-line input: the command prints its usage after the message. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * Runs a command's main and turns its outcome into the exit code: main's own code, or 2 for an error that
 * means bad input (named in `inputErrors`), 1 for any other failure, with a one-line message on stderr.
 */
export function runCli(main: (argv: readonly string[]) => Promise<number>, options: { usage?: string; inputErrors: readonly string[] }): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`error: ${message.split('\n')[0]}\n`);
      if (error instanceof UsageError && options.usage) process.stderr.write(`\n${options.usage}`);
      process.exitCode = error instanceof Error && options.inputErrors.includes(error.name) ? 2 : 1;
    },
  );
}
