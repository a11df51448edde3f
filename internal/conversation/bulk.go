package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
	"github.com/parley-hq/parley/internal/store"
)

// Bulk limits: a request names at most MaxBulkIDs ids, a filter may match
// at most MaxBulkFilter conversations, and sets larger than bulkSyncLimit
// run as a durable job, bulkChunk conversations between progress saves.
const (
	MaxBulkIDs    = 500
	MaxBulkFilter = 50_000
	bulkSyncLimit = 500
	bulkChunk     = 200
	// bulkParallelism is how many conversations of a chunk change at once
	// on PostgreSQL.
	bulkParallelism = 8
)

// BulkRequest changes many conversations at once, named by ids or by a
// filter ("all 12,304 matching").
type BulkRequest struct {
	IDs        []int64     `json:"ids"`
	Filter     *FilterSpec `json:"filter"`
	Set        Patch       `json:"set"`
	AddTags    []string    `json:"add_tags"`
	RemoveTags []string    `json:"remove_tags"`
	// MacroID applies a macro to each conversation, after set and tags.
	MacroID *int64 `json:"macro_id"`
}

// BulkSkip says why one conversation was left alone.
type BulkSkip struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// BulkOperation is a bulk action's one summary: what changed, what was
// skipped and why, and how far a large one has got.
type BulkOperation struct {
	ID         int64      `json:"id"`
	Kind       string     `json:"kind"`
	UndoOf     *int64     `json:"undo_of,omitempty"`
	Status     string     `json:"status"`
	Total      int        `json:"total"`
	Processed  int        `json:"processed"`
	Updated    []int64    `json:"updated"`
	Skipped    []BulkSkip `json:"skipped"`
	Undone     bool       `json:"undone"`
	CreatedAt  time.Time  `json:"created_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// BulkArgs is the job that works through a large bulk operation.
type BulkArgs struct {
	OperationID int64 `json:"operation_id"`
}

// Kind names the job in River.
func (BulkArgs) Kind() string { return "conversation.bulk" }

func toOperation(b store.BulkOperation) (BulkOperation, error) {
	op := BulkOperation{ID: b.ID, Kind: b.Kind, UndoOf: b.UndoOf, Status: b.Status, Total: b.Total, Processed: b.Processed,
		Updated: b.Updated, Undone: b.Undone, CreatedAt: b.CreatedAt, FinishedAt: b.FinishedAt}
	if op.Updated == nil {
		op.Updated = []int64{}
	}
	op.Skipped = []BulkSkip{}
	if len(b.Skipped) > 0 {
		if err := json.Unmarshal(b.Skipped, &op.Skipped); err != nil {
			return op, err
		}
	}
	return op, nil
}

// bulkPlan is a validated bulk request, as the operation stores it.
type bulkPlan struct {
	Set        Patch          `json:"set"`
	Priority   model.Priority `json:"-"`
	AddTags    []string       `json:"add_tags"`
	RemoveTags []string       `json:"remove_tags"`
	MacroID    *int64         `json:"macro_id,omitempty"`
}

func (s *Service) validateBulk(ctx context.Context, req *BulkRequest) (bulkPlan, error) {
	if req.Set.Subject != nil {
		return bulkPlan{}, apperr.Field("set.subject", "subjects cannot be set in bulk")
	}
	priority, err := s.validatePatch(&req.Set, false)
	if err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) {
			fields := map[string]string{}
			for k, v := range ae.Fields {
				fields["set."+k] = v
			}
			return bulkPlan{}, apperr.Invalid(ae.Message, fields)
		}
		return bulkPlan{}, err
	}
	plan := bulkPlan{Set: req.Set, Priority: priority}
	if len(req.AddTags) > 0 {
		if plan.AddTags, err = normalizeTags(req.AddTags); err != nil {
			return plan, apperr.Field("add_tags", err.(*apperr.Error).Fields["tags"])
		}
	}
	if len(req.RemoveTags) > 0 {
		if plan.RemoveTags, err = normalizeTags(req.RemoveTags); err != nil {
			return plan, apperr.Field("remove_tags", err.(*apperr.Error).Fields["tags"])
		}
	}
	if req.MacroID != nil {
		if *req.MacroID <= 0 {
			return plan, apperr.Field("macro_id", "must be a macro id")
		}
		if _, err := s.store.MacroByID(ctx, *req.MacroID); err != nil {
			return plan, apperr.Field("macro_id", "no such macro")
		}
		plan.MacroID = req.MacroID
	}
	if !req.Set.editsFields() && req.Set.Status == nil && len(plan.AddTags) == 0 && len(plan.RemoveTags) == 0 && plan.MacroID == nil {
		return plan, apperr.Invalid("nothing to change: send set, add_tags, remove_tags or macro_id", nil)
	}
	return plan, nil
}

// Bulk applies the same change to each conversation, each in its own
// transaction with its events: a conversation is changed wholly or not at
// all, and one the caller may not see or whose state refuses the change
// is skipped with its reason, without stopping the others. Up to 500
// conversations are done before it returns; larger sets run as a durable
// job whose progress Operation reports.
func (s *Service) Bulk(ctx context.Context, actor model.Actor, req BulkRequest) (BulkOperation, error) {
	plan, err := s.validateBulk(ctx, &req)
	if err != nil {
		return BulkOperation{}, err
	}
	var ids []int64
	switch {
	case req.Filter != nil && len(req.IDs) > 0:
		return BulkOperation{}, apperr.Invalid("send ids or a filter, not both", map[string]string{"filter": "cannot go with ids"})
	case req.Filter != nil:
		p := &conditionParser{actor: actor, fields: map[string]string{}, prefix: "filter."}
		f := store.ConversationFilter{Sort: "last_activity", Desc: true, Now: s.now()}
		p.apply(&f, *req.Filter)
		f.Search = p.search
		if len(p.fields) > 0 {
			return BulkOperation{}, apperr.Invalid("the filter is not valid", p.fields)
		}
		if !actor.Role.SeesAll() {
			f.VisibleTo = actor.UserID
		}
		if ids, err = s.store.MatchingIDs(ctx, f, MaxBulkFilter); err != nil {
			return BulkOperation{}, err
		}
		if len(ids) > MaxBulkFilter {
			return BulkOperation{}, apperr.Field("filter", fmt.Sprintf("matches more than %d conversations; narrow it", MaxBulkFilter))
		}
		if len(ids) == 0 {
			return BulkOperation{}, apperr.Field("filter", "matches no conversation")
		}
	default:
		if len(req.IDs) == 0 || len(req.IDs) > MaxBulkIDs {
			return BulkOperation{}, apperr.Field("ids", "send 1 to 500 conversation ids, or a filter")
		}
		for _, id := range req.IDs {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	body, err := json.Marshal(plan)
	if err != nil {
		return BulkOperation{}, err
	}
	return s.startBulk(ctx, store.BulkOperation{ActorID: actor.UserID, Kind: "change", Request: body, IDs: ids, CreatedAt: s.now()})
}

// startBulk stores an operation and works it now, or enqueues its job in
// the same transaction when it is large.
func (s *Service) startBulk(ctx context.Context, b store.BulkOperation) (BulkOperation, error) {
	async := len(b.IDs) > bulkSyncLimit
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		if b.UndoOf != nil {
			orig, err := tx.BulkOperationByID(ctx, *b.UndoOf)
			if err != nil {
				return err
			}
			orig.Undone = true
			if err := tx.SaveBulkProgress(ctx, orig); err != nil {
				return err
			}
		}
		id, err := tx.CreateBulkOperation(ctx, b)
		if err != nil {
			return err
		}
		b.ID = id
		if async {
			return s.jobs.InsertTx(ctx, tx, BulkArgs{OperationID: id}, nil)
		}
		return nil
	})
	if err != nil {
		return BulkOperation{}, err
	}
	if !async {
		if err := s.workBulk(ctx, b.ID); err != nil {
			return BulkOperation{}, err
		}
	}
	stored, err := s.store.BulkOperationByID(ctx, b.ID)
	if err != nil {
		return BulkOperation{}, err
	}
	return toOperation(stored)
}

// workBulk continues an operation from where it stopped; a job that dies
// half-way resumes at the last saved chunk, and conversations done twice
// change nothing the second time.
func (s *Service) workBulk(ctx context.Context, id int64) error {
	b, err := s.store.BulkOperationByID(ctx, id)
	if err != nil {
		return err
	}
	if b.Status == "done" {
		return nil
	}
	u, err := s.store.UserByID(ctx, b.ActorID)
	if err != nil {
		return err
	}
	actor := model.Actor{UserID: u.ID, Role: u.Role, Name: u.Name}
	var plan bulkPlan
	if err := json.Unmarshal(b.Request, &plan); err != nil {
		return err
	}
	if plan.Set.Priority != nil {
		plan.Priority, _ = model.ParsePriority(*plan.Set.Priority)
	}
	var undo store.BulkOperation
	if b.UndoOf != nil {
		if undo, err = s.store.BulkOperationByID(ctx, *b.UndoOf); err != nil {
			return err
		}
	}
	var skipped []BulkSkip
	if len(b.Skipped) > 0 {
		if err := json.Unmarshal(b.Skipped, &skipped); err != nil {
			return err
		}
	}
	// Each conversation changes in its own transaction. PostgreSQL takes
	// them a few at a time (each waits mostly on round trips; 9,281 one
	// after another took 30 s); SQLite has one writer, so one at a time.
	parallel := 1
	if s.store.Dialect == store.Postgres {
		parallel = bulkParallelism
	}
	type outcome struct {
		changed bool
		err     error
	}
	for b.Processed < len(b.IDs) {
		chunk := b.IDs[b.Processed:min(len(b.IDs), b.Processed+bulkChunk)]
		outcomes := make([]outcome, len(chunk))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(parallel)
		for i, cid := range chunk {
			g.Go(func() error {
				var o outcome
				if b.UndoOf != nil {
					o.changed, o.err = s.undoOne(gctx, actor, undo, cid)
				} else {
					o.changed, o.err = s.changeOne(gctx, actor, b.ID, plan, cid)
				}
				outcomes[i] = o
				var ae *apperr.Error
				if o.err != nil && !errors.As(o.err, &ae) {
					return o.err // the job fails and resumes from the last saved chunk
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		for i, cid := range chunk {
			var ae *apperr.Error
			switch o := outcomes[i]; {
			case errors.As(o.err, &ae):
				skipped = append(skipped, BulkSkip{ID: cid, Code: ae.Kind.Code(), Message: ae.Message})
			case o.changed && !slices.Contains(b.Updated, cid):
				b.Updated = append(b.Updated, cid)
			case !o.changed:
				skipped = append(skipped, BulkSkip{ID: cid, Code: "unchanged", Message: "already as asked"})
			}
		}
		b.Processed += len(chunk)
		if b.Skipped, err = json.Marshal(skipped); err != nil {
			return err
		}
		if b.Processed == len(b.IDs) {
			now := s.now()
			b.Status, b.FinishedAt = "done", &now
		}
		if err := s.store.InTx(ctx, func(tx *store.Tx) error { return tx.SaveBulkProgress(ctx, b) }); err != nil {
			return err
		}
	}
	return nil
}

// bulkBefore is what undo puts back.
type bulkBefore struct {
	Status     model.Status   `json:"status"`
	Priority   model.Priority `json:"priority"`
	AssigneeID *int64         `json:"assignee_id"`
	TeamID     *int64         `json:"team_id"`
	Snoozed    *time.Time     `json:"snoozed_until"`
	Tags       []string       `json:"tags"`
}

func (s *Service) changeOne(ctx context.Context, actor model.Actor, opID int64, plan bulkPlan, id int64) (bool, error) {
	changed := false
	err := s.run(ctx, actor, func(o *op) error {
		c, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		before, err := json.Marshal(bulkBefore{Status: c.Status, Priority: c.Priority, AssigneeID: c.AssigneeID, TeamID: c.TeamID,
			Snoozed: c.SnoozedUntil, Tags: c.Tags})
		if err != nil {
			return err
		}
		if err := o.applyPatch(ctx, &c, plan.Set, plan.Priority); err != nil {
			return err
		}
		if len(plan.AddTags) > 0 {
			if err := o.addTags(ctx, &c, plan.AddTags); err != nil {
				return err
			}
		}
		if len(plan.RemoveTags) > 0 {
			if _, err := o.removeTags(ctx, &c, plan.RemoveTags); err != nil {
				return err
			}
		}
		if plan.MacroID != nil {
			if err := o.applyMacroTo(ctx, &c, *plan.MacroID); err != nil {
				return err
			}
		}
		if changed = len(o.events) > 0; !changed {
			return nil
		}
		c.UpdatedAt = o.now
		if err := o.tx.SaveBulkChange(ctx, opID, c.ID, before); err != nil {
			return err
		}
		return o.tx.SaveConversation(ctx, c)
	})
	return changed, err
}

func (s *Service) undoOne(ctx context.Context, actor model.Actor, orig store.BulkOperation, id int64) (bool, error) {
	var plan bulkPlan
	if err := json.Unmarshal(orig.Request, &plan); err != nil {
		return false, err
	}
	changed := false
	err := s.run(ctx, actor, func(o *op) error {
		c, err := o.load(ctx, id)
		if err != nil {
			return err
		}
		raw, err := o.tx.BulkChange(ctx, orig.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			return apperr.Conflict("the bulk action did not change this conversation")
		} else if err != nil {
			return err
		}
		var was bulkBefore
		if err := json.Unmarshal(raw, &was); err != nil {
			return err
		}
		p := Patch{}
		// A conversation cannot go back to new; undo leaves it open and
		// restores everything else.
		if plan.Set.Status != nil && c.Status != was.Status && was.Status != model.StatusNew {
			p.Status = &was.Status
		}
		if plan.Set.SnoozedUntil.Set && !sameTime(c.SnoozedUntil, was.Snoozed) {
			if was.Snoozed != nil && was.Snoozed.After(o.now) {
				p.SnoozedUntil = model.Nullable[time.Time]{Set: true, Value: *was.Snoozed}
			} else {
				p.SnoozedUntil = model.Nullable[time.Time]{Set: true, Null: true}
			}
		}
		if plan.Set.Priority != nil && c.Priority != was.Priority {
			name := was.Priority.String()
			p.Priority = &name
		}
		if plan.Set.AssigneeID.Set {
			p.AssigneeID = model.Nullable[int64]{Set: true, Null: was.AssigneeID == nil}
			if was.AssigneeID != nil {
				p.AssigneeID.Value = *was.AssigneeID
			}
		}
		if plan.Set.TeamID.Set {
			p.TeamID = model.Nullable[int64]{Set: true, Null: was.TeamID == nil}
			if was.TeamID != nil {
				p.TeamID.Value = *was.TeamID
			}
		}
		if err := o.applyPatch(ctx, &c, p, was.Priority); err != nil {
			return err
		}
		var readd, unadd []string
		for _, t := range plan.AddTags {
			if !slices.Contains(was.Tags, t) && slices.Contains(c.Tags, t) {
				unadd = append(unadd, t)
			}
		}
		for _, t := range plan.RemoveTags {
			if slices.Contains(was.Tags, t) && !slices.Contains(c.Tags, t) {
				readd = append(readd, t)
			}
		}
		if len(unadd) > 0 {
			if _, err := o.removeTags(ctx, &c, unadd); err != nil {
				return err
			}
		}
		if len(readd) > 0 {
			if err := o.addTags(ctx, &c, readd); err != nil {
				return err
			}
		}
		if changed = len(o.events) > 0; !changed {
			return nil
		}
		c.UpdatedAt = o.now
		return o.tx.SaveConversation(ctx, c)
	})
	return changed, err
}

// UndoBulk reverses the actor's last bulk action on every conversation it
// changed, as far as each conversation's state allows (a closed one stays
// closed, and says so).
func (s *Service) UndoBulk(ctx context.Context, actor model.Actor, id int64) (BulkOperation, error) {
	var orig store.BulkOperation
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.BulkOperationByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && b.ActorID != actor.UserID) {
			return apperr.NotFound("bulk operation")
		} else if err != nil {
			return err
		}
		last, err := tx.LatestBulkOperation(ctx, actor.UserID)
		if err != nil {
			return err
		}
		switch {
		case b.Kind != "change":
			return apperr.Conflict("an undo cannot itself be undone; run the change again")
		case last.ID != b.ID:
			return apperr.Conflict("only your last bulk action can be undone")
		case b.Undone:
			return apperr.Conflict("this bulk action was already undone")
		case b.Status != "done":
			return apperr.Conflict("this bulk action is still running; undo it when it is done")
		}
		orig = b
		return nil
	})
	if err != nil {
		return BulkOperation{}, err
	}
	if len(orig.Updated) == 0 {
		return BulkOperation{}, apperr.Conflict("the bulk action changed nothing, so there is nothing to undo")
	}
	return s.startBulk(ctx, store.BulkOperation{ActorID: actor.UserID, Kind: "undo", UndoOf: &orig.ID, Request: orig.Request,
		IDs: orig.Updated, CreatedAt: s.now()})
}

// Operation reports a bulk operation to the actor who started it.
func (s *Service) Operation(ctx context.Context, actor model.Actor, id int64) (BulkOperation, error) {
	b, err := s.store.BulkOperationByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && b.ActorID != actor.UserID && actor.Role != model.RoleAdmin) {
		return BulkOperation{}, apperr.NotFound("bulk operation")
	} else if err != nil {
		return BulkOperation{}, err
	}
	return toOperation(b)
}
