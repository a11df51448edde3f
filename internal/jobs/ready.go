package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/parley-hq/parley/internal/store"
)

// InsertAtTx enqueues a job, inside the caller's transaction, to run at
// exactly at (within ReadyQueue's poll interval).
//
// River stores a future job as "scheduled" and only a leader's scheduler,
// every 5 seconds, makes it "available" to workers. For SLA deadlines that
// is too coarse, so the job is stored "available" with its future
// scheduled_at instead: River's fetch query takes only available jobs whose
// scheduled_at has passed, so every node's next poll after at picks it up.
func (q *Queue) InsertAtTx(ctx context.Context, tx *store.Tx, args river.JobArgs, at time.Time) error {
	res, err := q.client.InsertTx(ctx, tx.SQL(), args, &river.InsertOpts{Queue: ReadyQueue, ScheduledAt: at})
	if err != nil {
		return err
	}
	if res.Job.State != rivertype.JobStateScheduled {
		return nil
	}
	_, err = tx.SQL().ExecContext(ctx, `UPDATE river_job SET state = 'available' WHERE id = $1`, res.Job.ID)
	return err
}
