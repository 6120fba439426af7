package recon

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/backstophq/backstop/internal/fault"
	"github.com/backstophq/backstop/internal/store"
)

// errWriteFailed stops the listing once the writer has failed; the
// writer's own error is what the run reports.
var errWriteFailed = errors.New("staging write failed")

// writer copies batches of listed objects into staging on a goroutine of
// its own, one transaction each, so that listing the next batch and
// writing the last one overlap. Two batches exist, passed back and forth:
// the one being filled and the one being written.
type writer struct {
	batches chan []store.StagedObject // to write
	spare   chan []store.StagedObject // written, emptied, to fill again
	done    chan struct{}
	err     atomic.Pointer[error] // the first write error
}

func startWriter(ctx context.Context, st *store.Store, runID int64, faults *fault.Points) *writer {
	w := &writer{
		batches: make(chan []store.StagedObject),
		spare:   make(chan []store.StagedObject, 1),
		done:    make(chan struct{}),
	}
	w.spare <- make([]store.StagedObject, 0, batchSize)
	go func() {
		defer close(w.done)
		first := true
		for batch := range w.batches {
			if w.err.Load() == nil {
				if err := st.StageObjects(ctx, runID, batch); err != nil {
					w.err.Store(&err)
				} else if first {
					first = false
					faults.Hit(fault.SweepMidPage)
				}
			}
			clear(batch) // drop the listed strings it holds
			w.spare <- batch[:0]
		}
	}()
	return w
}

// write hands batch to the writer and returns an empty batch to fill, once
// the writer is done with the previous one; errWriteFailed once a write
// has failed.
func (w *writer) write(batch []store.StagedObject) ([]store.StagedObject, error) {
	if w.err.Load() != nil {
		return batch, errWriteFailed
	}
	w.batches <- batch
	return <-w.spare, nil
}

// stop waits for the last batch to be written and returns the first write
// error, if any.
func (w *writer) stop() error {
	close(w.batches)
	<-w.done
	if err := w.err.Load(); err != nil {
		return *err
	}
	return nil
}
