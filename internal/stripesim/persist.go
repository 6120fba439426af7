package stripesim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// load reads StatePath if it exists; a missing file is a fresh start.
func (s *Server) load() error {
	if s.opts.StatePath == "" {
		return nil
	}
	b, err := os.ReadFile(s.opts.StatePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("stripesim: reading state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(b, st); err != nil {
		return fmt.Errorf("stripesim: decoding state %s: %w", s.opts.StatePath, err)
	}
	if st.Idempotency == nil {
		st.Idempotency = map[string]*idemRecord{}
	}
	s.st = st
	return nil
}

// save writes the whole state to a temporary file and renames it over
// StatePath, so a crash leaves either the old or the new file, never half.
// The caller holds s.mu.
func (s *Server) save() error {
	if s.opts.StatePath == "" {
		return nil
	}
	b, err := json.Marshal(s.st)
	if err != nil {
		return fmt.Errorf("stripesim: encoding state: %w", err)
	}
	dir := filepath.Dir(s.opts.StatePath)
	tmp, err := os.CreateTemp(dir, filepath.Base(s.opts.StatePath)+".tmp-*")
	if err != nil {
		return fmt.Errorf("stripesim: writing state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("stripesim: writing state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("stripesim: writing state: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.opts.StatePath); err != nil {
		return fmt.Errorf("stripesim: replacing state: %w", err)
	}
	return nil
}
