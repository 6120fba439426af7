package stripesim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// call is one /v1 request on its way through the simulator.
type call struct {
	r       *http.Request
	form    form
	reqID   string
	idemKey string
	// executing is set by a handler once its parameters are valid; only
	// then is the answer stored for idempotent replay, as Stripe does.
	executing bool
}

// ref is the event's request block: which API call caused it.
func (c *call) ref() eventRequest {
	return eventRequest{ID: optional(c.reqID), IdempotencyKey: optional(c.idemKey)}
}

// apiHandler runs under the state lock and returns the value to send.
type apiHandler func(c *call) (any, *apiError)

// api wraps a /v1 handler with what every Stripe endpoint shares: request
// id, auth, stats, injected faults, strict parameters and idempotency.
func (s *Server) api(route string, spec map[string]param, h apiHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := &call{r: r, reqID: newID("req_", 14), idemKey: strings.TrimSpace(r.Header.Get("Idempotency-Key"))}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Request-Id", c.reqID)
		// Stripe names the API version it answered with on every response,
		// errors included; the official Node client reads it.
		w.Header().Set("Stripe-Version", apiVersion)
		if c.idemKey != "" {
			w.Header().Set("Idempotency-Key", c.idemKey)
		}
		key, err := s.admit(r, route)
		if err == nil && route != "" {
			// A path the simulator does not serve is a 404 whatever its
			// parameters, as at Stripe; only known endpoints check them.
			c.form, err = readForm(r, spec)
		}
		if err != nil {
			writeJSON(w, err.Status, err.envelope())
			return
		}
		status, body, replayed := s.execute(c, key, h)
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}
}

// admit counts the request, checks the key and applies injected latency and
// errors. It returns the API key the request used. Requests for no known
// route ("" here) count as "<METHOD> /v1/{unrecognized}".
func (s *Server) admit(r *http.Request, route string) (string, *apiError) {
	if route == "" {
		route = r.Method + " /v1/{unrecognized}"
	}
	s.mu.Lock()
	s.apiCalls++
	s.byRoute[route]++
	f := s.faults
	fail := s.faults.nextError()
	s.mu.Unlock()
	key, err := s.authenticate(r)
	if err != nil {
		return "", err
	}
	if f.latency > 0 {
		time.Sleep(f.latency)
	}
	if fail {
		return "", simulatedOutage()
	}
	return key, nil
}

// authenticate accepts "Bearer <key>" (stripe-go) and Basic "<key>:" (curl -u).
func (s *Server) authenticate(r *http.Request) (string, *apiError) {
	h := r.Header.Get("Authorization")
	var key string
	switch {
	case strings.HasPrefix(h, "Bearer "):
		key = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	case strings.HasPrefix(h, "Basic "):
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(h, "Basic "))
		key, _, _ = strings.Cut(string(raw), ":")
	default:
		return "", unauthorized("You did not provide an API key. You need to provide your API key in the " +
			"Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.opts.APIKey)) != 1 {
		return "", unauthorized("Invalid API Key provided: " + redact(key))
	}
	return key, nil
}

func redact(key string) string {
	if len(key) <= 8 {
		return "****"
	}
	return key[:8] + strings.Repeat("*", 8) + key[len(key)-4:]
}

// readForm decodes the query string and, for POST, the form body, then
// checks them against the endpoint's spec (nil means no parameters).
func readForm(r *http.Request, spec map[string]param) (form, *apiError) {
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return nil, invalid("", "Could not read the request body.")
		}
		raw = strings.Trim(raw+"&"+string(b), "&")
	}
	f, err := parseForm(raw)
	if err != nil {
		return nil, err
	}
	if spec == nil {
		spec = map[string]param{}
	}
	if err := validate(f, spec); err != nil {
		return nil, err
	}
	return f, nil
}

// execute runs h under the lock, replaying or storing the answer when the
// POST carries an Idempotency-Key.
func (s *Server) execute(c *call, apiKey string, h apiHandler) (status int, body []byte, replayed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.saveIfDirty()
	idem := c.idemKey != "" && c.r.Method == http.MethodPost
	slot := apiKey + "\x00" + c.idemKey
	fp := fingerprint(c)
	if rec, ok := s.st.Idempotency[slot]; idem && ok && time.Since(rec.Created) < 24*time.Hour {
		if rec.Fingerprint != fp {
			e := idempotencyConflict(c.idemKey)
			return e.Status, mustJSON(e.envelope()), false
		}
		return rec.Status, rec.Body, true
	}
	status, body = http.StatusOK, nil
	v, err := h(c)
	if err != nil {
		status, body = err.Status, mustJSON(err.envelope())
	} else {
		body = mustJSON(v)
	}
	if idem && c.executing {
		s.pruneIdempotency()
		s.st.Idempotency[slot] = &idemRecord{Fingerprint: fp, Status: status, Body: body, Created: time.Now()}
		s.dirty = true
	}
	return status, body, false
}

// pruneIdempotency forgets records past Stripe's 24 hours, so the state
// file does not grow without bound.
func (s *Server) pruneIdempotency() {
	for k, rec := range s.st.Idempotency {
		if time.Since(rec.Created) >= 24*time.Hour {
			delete(s.st.Idempotency, k)
		}
	}
}

// fingerprint identifies a request's method, path and parameters.
func fingerprint(c *call) string {
	b, _ := json.Marshal(c.form) // map keys marshal sorted, so this is canonical
	sum := sha256.Sum256([]byte(c.r.Method + " " + c.r.URL.Path + "\n" + string(b)))
	return hex.EncodeToString(sum[:])
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte(`{"error":{"type":"api_error","message":"simulator could not encode its answer"}}`)
	}
	return b
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(mustJSON(v))
}
