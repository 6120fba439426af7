// Package cli is the `backstop` command: one file per subcommand, and the
// wiring of a running stack (stack*.go) that serve, worker and dev share.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// errHelpShown is returned by a command that printed its --help.
var errHelpShown = errors.New("help shown")

// env is what every subcommand gets from the outside world. Nothing reads
// os.Getenv or writes os.Stdout directly, so tests can run commands in-process.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// Run dispatches to a subcommand. args includes the program name.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) < 2 {
		printHelp(stdout)
		return nil
	}
	name, rest := args[1], args[2:]
	switch name {
	case "help", "-h", "--help":
		printHelp(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, e, rest)
			if errors.Is(err, errHelpShown) {
				return nil
			}
			return err
		}
	}
	printHelp(stderr)
	return fmt.Errorf("unknown command %q", name)
}
