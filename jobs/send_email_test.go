package jobs

import (
	"testing"
	"time"
)

func TestEmailBackoff(t *testing.T) {
	cases := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 2 * time.Second},
		{2, 4 * time.Second},
		{3, 8 * time.Second},
		{9, 512 * time.Second},
		{10, 10 * time.Minute},
		{25, 10 * time.Minute},
	}
	for _, tc := range cases {
		if got := emailBackoff(tc.attempt); got != tc.want {
			t.Errorf("attempt %d: waited %s, want %s", tc.attempt, got, tc.want)
		}
	}
}
