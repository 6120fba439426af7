package cli

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/backstophq/backstop/internal/billing"
	"github.com/backstophq/backstop/internal/incident"
	"github.com/backstophq/backstop/internal/mail"
	"github.com/backstophq/backstop/internal/store"
	"github.com/backstophq/backstop/jobs"
)

// The incident service's workers are registered before River's client
// exists; the service gets the client, billing and the outbox once they do.
func registerIncidents(workers *river.Workers, svc *incident.Service) {
	river.AddWorker(workers, &jobs.IncidentPaymentWorker{Incidents: svc})
	river.AddWorker(workers, &jobs.IncidentFinishWorker{Incidents: svc})
}

func (s *stack) connectIncidents(bs billingStore) {
	s.incidents.Jobs = jobs.NewEnqueuer(s.jobs)
	s.incidents.Provision = incidentProvisioner{bs: bs, svc: s.billing}
	s.incidents.Mail = apologyMailer{outbox: bs.outbox, billing: s.billing, supportEmail: bs.supportEmail}
}

// incidentProvisioner runs Fulfill (fulfilled_via = incident) inside a
// billing transaction whose store transaction the incident records in.
type incidentProvisioner struct {
	bs  billingStore
	svc *billing.Service
}

func (p incidentProvisioner) InTx(ctx context.Context, fn func(*store.Tx, func(billing.PaidCheckout) (billing.Outcome, error)) error) error {
	return p.bs.InTx(ctx, func(tx billing.Tx) error {
		fulfill := func(pc billing.PaidCheckout) (billing.Outcome, error) {
			return p.svc.FulfillTx(ctx, tx, pc, billing.ViaIncident)
		}
		return fn(tx.(billingTx).Tx, fulfill)
	})
}

// apologyMailer queues incident_apology through the outbox, with the plan's
// name and the access period the customer's order holds.
type apologyMailer struct {
	outbox       *mail.Outbox
	billing      *billing.Service
	supportEmail string
}

// apologyReason is why the customer hears from us, in the template's words.
const apologyReason = "a problem on our side kept some payments from being completed"

func (m apologyMailer) QueueApologyTx(ctx context.Context, tx *store.Tx, a incident.Apology) (bool, error) {
	data := mail.Data{
		Email: a.To, Amount: billing.FormatMoney(a.Amount, a.Currency), PublicRef: a.PublicRef,
		SupportEmail: m.supportEmail, Reason: apologyReason, IncidentWindow: a.Window, Outcome: a.Outcome,
	}
	if a.PublicRef != "" {
		data.StatusURL = m.billing.StatusURL(a.PublicRef)
	}
	if a.PlanCode != "" {
		if plan, err := tx.Plan(ctx, a.PlanCode); err == nil {
			data.PlanName = plan.Name
		}
	}
	var orderID *int64
	if a.OrderID != 0 {
		orderID = &a.OrderID
	}
	return m.outbox.QueueTx(ctx, tx, mail.QueueRequest{
		Template: mail.IncidentApology, To: a.To, OrderID: orderID, DedupeKey: a.DedupeKey(), Data: data,
	})
}
