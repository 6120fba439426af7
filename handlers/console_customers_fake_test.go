package handlers

import (
	"context"

	"github.com/backstophq/backstop/internal/apperr"
	"github.com/backstophq/backstop/internal/console"
	"github.com/backstophq/backstop/internal/store"
)

// The web layer's own tests do not read customers: the customer pages are
// tested over the real stack in internal/cli.

func (f *fakeCore) Search(ctx context.Context, q string) (console.SearchResult, error) {
	return console.SearchResult{Query: q}, nil
}

func (f *fakeCore) Customer(ctx context.Context, email, after string) (console.CustomerFile, error) {
	return console.CustomerFile{}, apperr.New(apperr.NotFound, "no such customer")
}

func (f *fakeCore) Emails(ctx context.Context, fl store.EmailListFilter) (console.EmailPage, error) {
	return console.EmailPage{Filter: fl}, nil
}

func (f *fakeCore) EmailMessage(ctx context.Context, id int64) (store.EmailMessage, error) {
	return store.EmailMessage{}, apperr.New(apperr.NotFound, "no such email")
}
