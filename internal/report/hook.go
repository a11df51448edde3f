package report

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"github.com/parley-hq/parley/internal/businesshours"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/store"
)

// calendars compiles and caches schedules by id and update time, so the
// facts hook costs no compile on a hot path.
type calendars struct {
	mu    sync.Mutex
	cache map[[2]int64]*businesshours.Calendar
}

type hoursReader interface {
	BusinessHoursByID(ctx context.Context, id int64) (store.BusinessHours, error)
}

// get returns the schedule's calendar; nil when it is gone or no longer
// compiles, so its hours count 24/7 rather than not at all (docs/reports.md).
func (c *calendars) get(ctx context.Context, r hoursReader, id int64) *businesshours.Calendar {
	row, err := r.BusinessHoursByID(ctx, id)
	if err != nil {
		return nil
	}
	key := [2]int64{row.ID, store.Millis(row.UpdatedAt)}
	c.mu.Lock()
	cal, ok := c.cache[key]
	c.mu.Unlock()
	if ok {
		return cal
	}
	sched := businesshours.Schedule{TimeZone: row.TimeZone}
	if json.Unmarshal([]byte(row.Week), &sched.Week) != nil || json.Unmarshal([]byte(row.Holidays), &sched.Holidays) != nil {
		return nil
	}
	if cal, err = businesshours.Compile(sched); err != nil {
		slog.Warn("report: business hours no longer compile; counting 24/7", "id", id, "err", err)
		return nil
	}
	c.mu.Lock()
	if c.cache == nil {
		c.cache = map[[2]int64]*businesshours.Calendar{}
	}
	c.cache[key] = cal
	c.mu.Unlock()
	return cal
}

// factActions are the events that can change a conversation's facts; a
// command with none of them (tags, priority, subject, a snooze, a
// follower, an SLA warning) leaves the facts alone. Tags are joined when a
// report is read, so they need no rewrite.
var factActions = map[string]bool{
	"conversation.created": true, "message.created": true, "status.changed": true,
	"assignee.changed": true, "assignment.auto": true, "team.changed": true,
	"conversation.merged": true, "conversation.merged_in": true, "conversation.unmerged": true,
	"conversation.unmerged_out": true, "conversation.split": true, "conversation.split_from": true,
	"csat.sent": true, "csat.answered": true, "sla.met": true, "sla.breached": true, "contact.changed": true,
}

// Sync rewrites the facts of the conversations a command changed in a way
// facts can see, inside its transaction (conversation.FactsHook).
func (s *Service) Sync(ctx context.Context, tx *store.Tx, changes []conversation.Changed) error {
	var ids []int64
	for _, ch := range changes {
		if !slices.ContainsFunc(ch.Actions, func(a string) bool { return factActions[a] }) {
			continue
		}
		// A customer message or a note alone changes no fact: a wait is
		// only measured when it is answered, and a reopening or a new
		// conversation records its own event. Half of all commands.
		if !ch.AgentReplied && !slices.ContainsFunc(ch.Actions, func(a string) bool { return factActions[a] && a != "message.created" }) {
			continue
		}
		ids = append(ids, ch.ConversationID)
	}
	// Consecutive ids are rewritten as one range (each range is about seven
	// statements): a batch of mail creates its conversations one after
	// another. A range holds only ids in the list, so nothing else is read.
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 && j-i+1 < rebuildBatch {
			j++
		}
		if err := s.syncRange(ctx, tx, ids[i], ids[j]); err != nil {
			if i == j {
				return fmt.Errorf("report facts of #%d: %w", ids[i], err)
			}
			return fmt.Errorf("report facts of #%d–#%d: %w", ids[i], ids[j], err)
		}
		i = j + 1
	}
	return nil
}

func (s *Service) syncRange(ctx context.Context, tx *store.Tx, lo, hi int64) error {
	convs, err := tx.ReportInputs(ctx, lo, hi)
	if err != nil {
		return err
	}
	facts := deriveAll(ctx, convs, func(ctx context.Context, id int64) *businesshours.Calendar {
		return s.cals.get(ctx, tx, id)
	})
	return tx.ReplaceReportFacts(ctx, lo, hi, facts)
}

// rebuildBatch is how many conversations one rebuild transaction covers.
const rebuildBatch = 500

// Rebuild recomputes every fact row from the event log and the stored
// facts (messages, surveys, SLA outcomes), replacing what is there, in
// batches of conversations (each its own transaction, so the writer is
// never held for long); it returns how many conversations it read.
func (s *Service) Rebuild(ctx context.Context) (int, error) {
	lo, hi, err := s.store.ConversationIDBounds(ctx)
	if err != nil || hi == 0 {
		return 0, err
	}
	n := 0
	for start := lo; start <= hi; start += rebuildBatch {
		end := min(start+rebuildBatch-1, hi)
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			convs, err := tx.ReportInputs(ctx, start, end)
			if err != nil {
				return err
			}
			n += len(convs)
			facts := deriveAll(ctx, convs, func(ctx context.Context, id int64) *businesshours.Calendar {
				return s.cals.get(ctx, tx, id)
			})
			if err := tx.DeleteReportFacts(ctx, start, end); err != nil {
				return err
			}
			return tx.InsertReportFacts(ctx, facts)
		})
		if err != nil {
			return n, fmt.Errorf("rebuild reports %d–%d: %w", start, end, err)
		}
	}
	return n, s.store.VacuumReportFacts(ctx)
}
