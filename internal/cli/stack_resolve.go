package cli

import (
	"context"
	"log/slog"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/config"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/resolve"
	"github.com/backstophq/backstop/internal/store"
)

// newResolve wires the staff actions on mismatches over the same store
// transactions and outbox as billing, so a fix, its email and its audit
// row commit together.
func newResolve(cfg config.Config, bs billingStore, proc resolve.Processor, b *billing.Service, logger *slog.Logger) *resolve.Service {
	return resolve.New(resolve.Deps{
		Store: resolveStore{bs}, Processor: proc, Billing: b,
		Faults: cfg.Faults, Logger: logger, BaseURL: cfg.BaseURL,
	})
}

// resolveStore adapts *store.Store to resolve.Store.
type resolveStore struct{ billingStore }

func (r resolveStore) MismatchForAction(ctx context.Context, id int64) (store.MismatchState, error) {
	return r.st.MismatchForAction(ctx, id)
}

func (r resolveStore) InTx(ctx context.Context, fn func(resolve.Tx) error) error {
	return r.st.InTx(ctx, func(tx *store.Tx) error { return fn(resolveTx{billingTx{tx, r.billingStore}}) })
}

// resolveTx is a billing transaction that also queues any template.
type resolveTx struct{ billingTx }

var _ resolve.Tx = resolveTx{}

func (t resolveTx) QueueMail(ctx context.Context, req mail.QueueRequest) (bool, error) {
	if req.Data.SupportEmail == "" {
		req.Data.SupportEmail = t.b.supportEmail
	}
	return t.b.outbox.QueueTx(ctx, t.Tx, req)
}
