/**
 * Runs a stack script's `main(args)`: its resolved number is the exit code; an error prints its message alone (no
 * stack trace for an operator's mistake, such as a bad flag) and exits 1.
 *
 * @example
 * runMain(main);
 */
export function runMain(main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
