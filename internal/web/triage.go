package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-hq/parley/internal/apperr"
	"github.com/parley-hq/parley/internal/conversation"
	"github.com/parley-hq/parley/internal/model"
)

// commaKeys take comma lists; a saved filter holds their values one by one.
var commaKeys = map[string]bool{"status": true, "priority": true, "channel": true, "contact_type": true,
	"tag": true, "tag_any": true, "tag_none": true}

// listSpec is the list on screen as a JSON filter: what "Save view"
// saves and what "Select all N matching" sends to the bulk API.
type listSpec struct {
	// Filter is null when the list cannot be said as one JSON filter (a
	// view with OR groups narrowed by a key the view also sets).
	Filter *conversation.FilterSpec `json:"filter"`
	Sort   string                   `json:"sort"`
	Count  *int                     `json:"count,omitempty"`
	Capped bool                     `json:"capped,omitempty"`
	Error  string                   `json:"error,omitempty"`
}

// filterOf turns a list query (its keys, a filter= object, a view=) into
// one JSON filter that selects the same conversations, and its sort.
func (a *App) filterOf(ctx context.Context, actor model.Actor, q url.Values) (*conversation.FilterSpec, string, error) {
	keys := conversation.FilterSpec{Keys: map[string][]string{}}
	for k, vs := range q {
		switch k {
		case "sort", "cursor", "limit", "view", "filter":
			continue
		}
		if commaKeys[k] {
			vs = splitCommas(vs)
		}
		keys.Keys[k] = vs
	}
	out, sort := keys, q.Get("sort")
	if raw := q.Get("filter"); raw != "" {
		var spec conversation.FilterSpec
		if err := json.Unmarshal([]byte(raw), &spec); err != nil {
			return nil, "", apperr.Field("filter", err.Error())
		}
		var ok bool
		if out, ok = combine(spec, out); !ok {
			return nil, sort, nil
		}
	}
	if v := q.Get("view"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, "", apperr.Field("view", "must be a view id")
		}
		vw, err := a.Views.Get(ctx, actor, id)
		if err != nil {
			return nil, "", err
		}
		if sort == "" {
			sort = vw.Sort
		}
		var ok bool
		if out, ok = combine(vw.Filter, out); !ok {
			return nil, sort, nil
		}
	}
	return &out, sort, nil
}

func splitCommas(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// combine ANDs two JSON filters into one, if one can say it: keys only one
// of them sets, or both set alike, merge; searches join (all their words
// must match either way); the rest of b becomes the single OR group of
// the result when base has none.
func combine(base, b conversation.FilterSpec) (conversation.FilterSpec, bool) {
	out := conversation.FilterSpec{Keys: map[string][]string{}, Any: base.Any}
	for k, v := range base.Keys {
		out.Keys[k] = v
	}
	rest := map[string][]string{}
	for k, v := range b.Keys {
		old, ok := out.Keys[k]
		switch {
		case !ok:
			out.Keys[k] = v
		case k == "q":
			out.Keys[k] = []string{strings.Join(old, " ") + " " + strings.Join(v, " ")}
		case !sameSet(old, v):
			rest[k] = v
		}
	}
	if len(b.Any) > 0 {
		if len(out.Any) > 0 {
			return out, false
		}
		out.Any = b.Any
	}
	if len(rest) > 0 {
		if len(out.Any) > 0 {
			return out, false
		}
		out.Any = []map[string][]string{rest}
	}
	return out, true
}

func sameSet(a, b []string) bool {
	a, b = slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b))
	return slices.Equal(a, b)
}

// filterJSON answers the list's filter, and with count=1 how many
// conversations it matches (up to the bulk limit).
func (a *App) filterJSON(w http.ResponseWriter, r *http.Request) {
	ctx, actor := r.Context(), principal(r).Actor()
	q := r.URL.Query()
	count := q.Get("count") == "1"
	q.Del("count")
	q = listQueryOf(q)
	var out listSpec
	var err error
	out.Filter, out.Sort, err = a.filterOf(ctx, actor, q)
	if err == nil && count {
		f, perr := a.Conversations.ParseFilter(ctx, actor, q)
		if err = perr; err == nil {
			n, capped, cerr := a.Store.CountConversations(ctx, f, conversation.MaxBulkFilter)
			out.Count, out.Capped, err = &n, capped, cerr
		}
	}
	if err != nil {
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			a.fail(w, r, err)
			return
		}
		out = listSpec{Error: err.Error()}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}
