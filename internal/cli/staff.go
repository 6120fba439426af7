package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/staff"
)

const staffUsage = `staff add --email E --role support|admin

  staff add --email E --role support|admin
      creates a staff login for the console. A password on stdin (its
      first line) is used as given; otherwise one is generated and printed
      once.

Reads DATABASE_URL.`

// cmdStaff is `backstop staff add`.
func cmdStaff(ctx context.Context, e *env, args []string) error {
	return runSubcommand(ctx, e, args, "staff", staffUsage, []subcommand{{"add", staffAdd}})
}

func staffAdd(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "staff add", "staff add --email E --role support|admin   (password on stdin, or one is generated)")
	email := fs.String("email", "", "the staff member's email, their sign-in name")
	role := fs.String("role", "", "support (works the queue) or admin (also manages staff)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("staff add: unexpected argument %q", fs.Arg(0))
	}
	if *email == "" || *role == "" {
		return errors.New("staff add: --email and --role are required")
	}
	password, err := readPassword(e.stdin)
	if err != nil {
		return err
	}
	generated := password == ""
	if generated {
		if password, err = staff.GeneratePassword(); err != nil {
			return err
		}
	}
	st, err := openStoreFromEnv(ctx, e)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := staff.NewService(st, staff.Options{}).Add(ctx, *email, staff.Role(*role), password)
	if err != nil {
		return commandError("staff add", err)
	}
	if generated {
		fmt.Fprintf(e.stdout, "staff login created: %s (%s) password: %s\n", u.Email, u.Role, password)
		return nil
	}
	fmt.Fprintf(e.stdout, "staff login created: %s (%s) with the password from stdin\n", u.Email, u.Role)
	return nil
}

// readPassword returns the first line of stdin without its line ending, or
// "" when stdin is empty or absent. A terminal is not read: a person at one
// gets a generated password instead of a silent wait.
func readPassword(stdin io.Reader) (string, error) {
	if stdin == nil || isTerminal(stdin) {
		return "", nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// commandError shows an apperr's safe message after the command's name,
// without the internal chain; other errors pass through.
func commandError(name string, err error) error {
	if k := apperr.KindOf(err); k == apperr.Invalid || k == apperr.Conflict {
		return fmt.Errorf("%s: %s", name, apperr.SafeMessage(err, "failed"))
	}
	return err
}

// isTerminal reports whether r is a character device such as a terminal.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
