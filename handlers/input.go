package handlers

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
)

// badInput is a request refused for its bytes before any handler reads
// them: a NUL byte or text that is not UTF-8, which PostgreSQL refuses
// (a 500 deep inside a handler, otherwise). It is answered with words, 422
// for a form and 400 for a path or query, and is not stored as an error
// report: anyone can send one, and support has nothing to look up.
type badInput struct {
	status int
	field  string // the form field or query parameter, when it is printable
}

func (e *badInput) Error() string { return "malformed input in " + e.field }

// message is what the person who sent it reads.
func (e *badInput) message() string {
	where := "the address of this page"
	switch {
	case e.status == fiber.StatusUnprocessableEntity && e.field != "":
		where = "the field “" + e.field + "”"
	case e.status == fiber.StatusUnprocessableEntity:
		where = "the form"
	case e.field != "":
		where = "the “" + e.field + "” part of the link"
	}
	return "We cannot accept " + where + ": it contains a character that is not text (an invisible NUL byte, " +
		"or broken encoding, often from pasting). Please retype it and try again."
}

// refuseMalformedInput checks the decoded path, every query parameter and every
// field of a form body (urlencoded or multipart), names and values, once
// for every route. Other bodies (the processor's signed JSON) are the
// handler's to judge.
func refuseMalformedInput(c *fiber.Ctx) error {
	// The decoded path: routes see it raw today, but a parameter a handler
	// unescapes must not carry what the path could not.
	if !isText(c.Request().URI().Path()) {
		return &badInput{status: fiber.StatusBadRequest}
	}
	if bad, name := firstBadArg(c.Context().QueryArgs().VisitAll); bad {
		return &badInput{status: fiber.StatusBadRequest, field: printable(name)}
	}
	ctype := string(c.Request().Header.ContentType())
	switch {
	case strings.HasPrefix(ctype, fiber.MIMEApplicationForm):
		if bad, name := firstBadArg(c.Request().PostArgs().VisitAll); bad {
			return &badInput{status: fiber.StatusUnprocessableEntity, field: printable(name)}
		}
	case strings.HasPrefix(ctype, fiber.MIMEMultipartForm):
		form, err := c.MultipartForm()
		if err != nil {
			return nil // the handler reports the unreadable form
		}
		for name, values := range form.Value {
			for _, v := range values {
				if !isText([]byte(name)) || !isText([]byte(v)) {
					return &badInput{status: fiber.StatusUnprocessableEntity, field: printable([]byte(name))}
				}
			}
		}
	}
	return c.Next()
}

// firstBadArg walks args (fasthttp's decoded query or form) and reports the
// first name or value that is not text.
func firstBadArg(visit func(func(k, v []byte))) (bool, []byte) {
	var bad bool
	var name []byte
	visit(func(k, v []byte) {
		if !bad && (!isText(k) || !isText(v)) {
			bad, name = true, append([]byte(nil), k...)
		}
	})
	return bad, name
}

// isText reports whether b is UTF-8 without NUL bytes: what PostgreSQL's
// text columns accept.
func isText(b []byte) bool { return utf8.Valid(b) && bytes.IndexByte(b, 0) < 0 }

// printable is name when it can be shown in the message, else "".
func printable(name []byte) string {
	if len(name) == 0 || len(name) > 40 || !isText(name) {
		return ""
	}
	for _, r := range string(name) {
		if r < ' ' || r == 0x7f {
			return ""
		}
	}
	return string(name)
}
