package invariant

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Mailpit reads the messages an SMTP server (Mailpit) received, through its
// HTTP API.
type Mailpit struct {
	API    string // e.g. http://127.0.0.1:8025
	Client *http.Client
}

// copies counts the messages Mailpit holds by Message-ID, angle brackets
// trimmed.
func (m Mailpit) copies(ctx context.Context) (map[string]int, error) {
	client := m.Client
	if client == nil {
		client = http.DefaultClient
	}
	out := map[string]int{}
	const limit = 500
	for start := 0; ; start += limit {
		var page struct {
			Total    int `json:"total"`
			Messages []struct {
				MessageID string `json:"MessageID"`
			} `json:"messages"`
		}
		url := m.API + "/api/v1/messages?limit=" + strconv.Itoa(limit) + "&start=" + strconv.Itoa(start)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("mailpit: %w", err)
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("mailpit messages: %w", err)
		}
		for _, msg := range page.Messages {
			out[trimID(msg.MessageID)]++
		}
		if len(page.Messages) < limit || start+limit >= page.Total {
			return out, nil
		}
	}
}

func trimID(id string) string { return strings.Trim(strings.TrimSpace(id), "<>") }
