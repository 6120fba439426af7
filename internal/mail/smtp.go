package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/backstophq/backstop/internal/apperr"
)

// defaultSMTPTimeout bounds connecting and each exchange with the server, so
// a hung server fails the attempt instead of holding the job.
const defaultSMTPTimeout = 15 * time.Second

// SMTPSender sends through an SMTP server with go-mail, one connection per
// email: emails are rare enough that a pool would only add failure modes.
type SMTPSender struct {
	host string
	addr string // host:port, for errors and logs (never the password)
	opts []gomail.Option
}

// NewSMTPSender configures a sender from SMTP_URL:
//
//	smtp://[user:pass@]host[:port][?tls=required|none][&insecure=1][&timeout=15s]
//	smtps://[user:pass@]host[:port][?insecure=1][&timeout=15s]
//
// smtp:// (port 587 by default) uses STARTTLS when the server offers it, and
// refuses to send without it when tls=required; tls=none never encrypts.
// smtps:// (port 465 by default) is TLS from the first byte. With a user,
// it authenticates with PLAIN or LOGIN, which go-mail refuses over an
// unencrypted connection except to localhost. insecure=1 skips certificate
// verification, for local test servers only. An unknown parameter is an
// error, so a typo never weakens the connection silently.
func NewSMTPSender(smtpURL string) (*SMTPSender, error) {
	u, err := url.Parse(smtpURL)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	port, err := smtpPort(u)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	for key := range q {
		if key != "tls" && key != "insecure" && key != "timeout" {
			return nil, fmt.Errorf("SMTP_URL: unknown parameter %q (known: tls, insecure, timeout)", key)
		}
	}
	timeout := defaultSMTPTimeout
	if v := q.Get("timeout"); v != "" {
		if timeout, err = time.ParseDuration(v); err != nil || timeout <= 0 {
			return nil, fmt.Errorf("SMTP_URL: timeout %q is not a positive duration", v)
		}
	}
	insecure := q.Get("insecure") == "1" || q.Get("insecure") == "true"
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(&tls.Config{
			ServerName:         u.Hostname(),
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: insecure, //nolint:gosec // opt-in, for local test servers
		}),
	}
	tlsOpt, err := smtpTLS(u.Scheme, q.Get("tls"))
	if err != nil {
		return nil, err
	}
	opts = append(opts, tlsOpt)
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	addr := net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
	return &SMTPSender{host: u.Hostname(), addr: addr, opts: opts}, nil
}

func smtpPort(u *url.URL) (int, error) {
	if u.Hostname() == "" {
		return 0, errors.New("SMTP_URL: no host")
	}
	defaults := map[string]int{"smtp": 587, "smtps": 465}
	port, ok := defaults[u.Scheme]
	if !ok {
		return 0, fmt.Errorf("SMTP_URL: scheme %q is not smtp or smtps", u.Scheme)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return 0, fmt.Errorf("SMTP_URL: bad port %q", p)
		}
		port = n
	}
	return port, nil
}

func smtpTLS(scheme, mode string) (gomail.Option, error) {
	if scheme == "smtps" {
		if mode != "" {
			return nil, errors.New("SMTP_URL: smtps:// is always TLS; drop the tls parameter")
		}
		return gomail.WithSSL(), nil
	}
	switch mode {
	case "", "opportunistic":
		return gomail.WithTLSPolicy(gomail.TLSOpportunistic), nil
	case "required":
		return gomail.WithTLSPolicy(gomail.TLSMandatory), nil
	case "none":
		return gomail.WithTLSPolicy(gomail.NoTLS), nil
	}
	return nil, fmt.Errorf("SMTP_URL: tls=%q is not required, opportunistic or none", mode)
}

// Send delivers m over a new connection. It returns nil as soon as the server
// accepted the message (a failure of the RSET or QUIT after that changes
// nothing and is ignored, since retrying would duplicate the email). A 5xx
// refusal of the recipient or an invalid address is an apperr Invalid;
// everything else, including 4xx replies, is a plain error to retry.
func (s *SMTPSender) Send(ctx context.Context, m Outgoing) error {
	msg, err := buildMsg(m)
	if err != nil {
		return err
	}
	client, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client for %s: %w", s.addr, err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("smtp connect to %s: %w", s.addr, err)
	}
	defer func() { _ = client.CloseWithSMTPClient(conn) }()
	err = client.SendWithSMTPClient(conn, msg)
	if msg.IsDelivered() {
		return nil
	}
	if err == nil {
		return fmt.Errorf("smtp %s: message not accepted", s.addr)
	}
	var se *gomail.SendError
	if errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && se.ErrorCode() >= 500 {
		return apperr.Wrap(apperr.Invalid, "the recipient's mail server refused the address", err)
	}
	return fmt.Errorf("smtp send via %s: %w", s.addr, err)
}

// buildMsg makes the MIME message: the text body first, the HTML body as its
// alternative, and our stored Message-ID rather than a fresh one.
func buildMsg(m Outgoing) (*gomail.Msg, error) {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(m.From); err != nil {
		return nil, fmt.Errorf("from address %q: %w", m.From, err)
	}
	if err := checkAddress(m.To); err != nil {
		return nil, err
	}
	if err := msg.To(m.To); err != nil {
		return nil, apperr.Wrap(apperr.Invalid, "invalid email address", err)
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(m.MessageID, "<"), ">"))
	msg.SetDate()
	// Ask auto-responders (out of office) not to answer a transactional email.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}
