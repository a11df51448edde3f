package conversation

import (
	"context"
	"errors"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/model"
)

// MaxBulkIDs bounds one bulk request by ids.
const MaxBulkIDs = 500

// BulkRequest changes many conversations at once.
type BulkRequest struct {
	IDs        []int64             `json:"ids"`
	Filter     map[string][]string `json:"filter"`
	Set        Patch               `json:"set"`
	AddTags    []string            `json:"add_tags"`
	RemoveTags []string            `json:"remove_tags"`
}

// BulkSkip says why one conversation was left alone.
type BulkSkip struct {
	ID      int64  `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// BulkResult is the one summary of a bulk action.
type BulkResult struct {
	Updated []int64    `json:"updated"`
	Skipped []BulkSkip `json:"skipped"`
}

// Bulk applies the same change to each conversation, each in its own
// transaction: a conversation is changed wholly or not at all, and one the
// caller may not see or whose state refuses the change is skipped with
// its reason, without stopping the others.
func (s *Service) Bulk(ctx context.Context, actor model.Actor, req BulkRequest) (BulkResult, error) {
	if req.Filter != nil {
		return BulkResult{}, apperr.Field("filter", "bulk actions by filter are not available yet; send ids")
	}
	if len(req.IDs) == 0 || len(req.IDs) > MaxBulkIDs {
		return BulkResult{}, apperr.Field("ids", "send 1 to 500 conversation ids")
	}
	if req.Set.Subject != nil {
		return BulkResult{}, apperr.Field("set.subject", "subjects cannot be set in bulk")
	}
	priority, err := s.validatePatch(&req.Set, false)
	if err != nil {
		return BulkResult{}, err
	}
	var add, remove []string
	if len(req.AddTags) > 0 {
		if add, err = normalizeTags(req.AddTags); err != nil {
			return BulkResult{}, apperr.Field("add_tags", err.(*apperr.Error).Fields["tags"])
		}
	}
	if len(req.RemoveTags) > 0 {
		if remove, err = normalizeTags(req.RemoveTags); err != nil {
			return BulkResult{}, apperr.Field("remove_tags", err.(*apperr.Error).Fields["tags"])
		}
	}
	if !req.Set.editsFields() && req.Set.Status == nil && len(add) == 0 && len(remove) == 0 {
		return BulkResult{}, apperr.Invalid("nothing to change: send set, add_tags or remove_tags", nil)
	}
	res := BulkResult{Updated: []int64{}, Skipped: []BulkSkip{}}
	seen := map[int64]bool{}
	for _, id := range req.IDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		err := s.run(ctx, actor, func(o *op) error {
			c, err := o.load(ctx, id)
			if err != nil {
				return err
			}
			if err := o.applyPatch(ctx, &c, req.Set, priority); err != nil {
				return err
			}
			if len(add) > 0 {
				if err := o.addTags(ctx, &c, add); err != nil {
					return err
				}
			}
			if len(remove) > 0 {
				if _, err := o.removeTags(ctx, &c, remove); err != nil {
					return err
				}
			}
			c.UpdatedAt = o.now
			return o.tx.SaveConversation(ctx, c)
		})
		if err != nil {
			var ae *apperr.Error
			if !asAppErr(err, &ae) {
				return res, err
			}
			res.Skipped = append(res.Skipped, BulkSkip{ID: id, Code: ae.Kind.Code(), Message: ae.Message})
			continue
		}
		res.Updated = append(res.Updated, id)
	}
	return res, nil
}

func asAppErr(err error, target **apperr.Error) bool { return errors.As(err, target) }
