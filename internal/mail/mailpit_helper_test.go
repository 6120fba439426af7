package mail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// mailpit is a real Mailpit server started for one test.
type mailpit struct {
	smtpAddr string // host:port
	api      string // http://host:port
}

// startMailpit starts Mailpit on free loopback ports with its own database
// and chaos enabled, waits until it is ready, and stops it when t ends.
func startMailpit(t *testing.T) *mailpit {
	t.Helper()
	bin := mailpitBinary(t)
	smtpPort, httpPort := freePort(t), freePort(t)
	mp := &mailpit{
		smtpAddr: "127.0.0.1:" + strconv.Itoa(smtpPort),
		api:      "http://127.0.0.1:" + strconv.Itoa(httpPort),
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin,
		"--smtp", mp.smtpAddr,
		"--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--enable-chaos", "--disable-version-check", "--smtp-disable-rdns", "--quiet",
	)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	for !mp.ready() {
		select {
		case <-exited:
			t.Fatalf("mailpit exited: %s", logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit not ready after 10s: %s", logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return mp
}

func (mp *mailpit) ready() bool {
	resp, err := http.Get(mp.api + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return false
	}
	conn, err := net.DialTimeout("tcp", mp.smtpAddr, time.Second)
	if err != nil {
		return false
	}
	conn.Close()
	return true
}

// mailpitBinary finds Mailpit: $MAILPIT_BIN, else bin/mailpit at the module
// root, else PATH. Missing, the test fails: a skipped SMTP test proves nothing.
func mailpitBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MAILPIT_BIN"); p != "" {
		return p
	}
	if root, err := moduleRoot(); err == nil {
		p := filepath.Join(root, "bin", "mailpit")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	t.Fatal("mailpit not found (MAILPIT_BIN, bin/mailpit, PATH): run make tools " +
		"(GOBIN=$PWD/bin go install github.com/axllent/mailpit@v1.33.1)")
	return ""
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// mailpitSummary is one entry of GET /api/v1/messages.
type mailpitSummary struct {
	ID        string
	MessageID string
	Subject   string
}

// mailpitMessage is GET /api/v1/message/{ID}.
type mailpitMessage struct {
	ID        string
	MessageID string
	Subject   string
	From      struct{ Address string }
	To        []struct{ Address string }
	Text      string
	HTML      string
}

func (mp *mailpit) messages(t *testing.T) []mailpitSummary {
	t.Helper()
	var out struct {
		Total    int              `json:"total"`
		Messages []mailpitSummary `json:"messages"`
	}
	mp.getJSON(t, "/api/v1/messages", &out)
	require.Len(t, out.Messages, out.Total, "one page holds them all")
	return out.Messages
}

func (mp *mailpit) message(t *testing.T, id string) mailpitMessage {
	t.Helper()
	var out mailpitMessage
	mp.getJSON(t, "/api/v1/message/"+id, &out)
	return out
}

func (mp *mailpit) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	resp, err := http.Get(mp.api + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, path)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// chaos makes Mailpit refuse every RCPT TO with code, or stops refusing
// when code is 0.
func (mp *mailpit) chaos(t *testing.T, code int) {
	t.Helper()
	body := `{}`
	if code != 0 {
		body = fmt.Sprintf(`{"Recipient":{"ErrorCode":%d,"Probability":100}}`, code)
	}
	req, err := http.NewRequest(http.MethodPut, mp.api+"/api/v1/chaos", bytes.NewBufferString(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var got struct {
		Recipient struct{ ErrorCode, Probability int }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&got))
	if code != 0 {
		require.Equal(t, 100, got.Recipient.Probability)
	} else {
		require.Equal(t, 0, got.Recipient.Probability)
	}
}
